import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { factSources } from '../../../shared/compliance/baseline/contract';
import { describeBaseline } from '../../../shared/compliance/baseline/describe';
import { complianceBaseline } from '../../../shared/compliance/baseline/rules';

/** The README's tables of the compliance baseline section, as rows of trimmed cells (header and rule left out). */
function sectionTables(): string[][][] {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Compliance baseline\n'));
  if (!section) throw new Error('README has no "## Compliance baseline" section');
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    if (!current) tables.push((current = []));
    current.push(cells);
  }
  return tables.map((table) => table.slice(2));
}

const code = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(', ') || '—';

describe('README: compliance baseline', () => {
  const [rules, facts] = sectionTables();

  it('lists every rule with its id, title, severity, facts, default mode and remediation', () => {
    const expected = describeBaseline(complianceBaseline).rules.map((rule) => [
      `\`${rule.id}\``,
      rule.title,
      rule.severity,
      code(rule.reads),
      rule.defaultMode,
      code(rule.remediations),
    ]);
    expect(rules).toEqual(expected);
  });

  it('describes every fact source', () => {
    expect(facts?.map(([source]) => source)).toEqual(factSources.map((source) => `\`${source}\``));
  });
});
