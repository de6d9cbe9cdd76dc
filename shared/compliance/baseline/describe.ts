import {
  type Baseline,
  type FactSource,
  type RemediationKind,
  type RuleId,
  type RuleMode,
  type Severity,
  type Rule,
  type Thresholds,
  type ThirdPartyProduct,
  type WindowsRelease,
} from './contract';

export interface RuleDescription {
  id: RuleId;
  title: string;
  category: Rule['category'];
  severity: Severity;
  reads: readonly FactSource[];
  defaultMode: RuleMode;
  remediations: readonly RemediationKind[];
}

export interface BaselineDescription {
  version: string;
  rules: RuleDescription[];
  defaults: Thresholds;
  thirdPartyProducts: readonly ThirdPartyProduct[];
  windowsReleases: readonly WindowsRelease[];
}

/** The baseline as JSON can carry it (for the operator view and the README): everything but the evaluations. */
export function describeBaseline(baseline: Baseline): BaselineDescription {
  return {
    version: baseline.version,
    rules: baseline.rules.map(({ id, title, category, severity, reads, defaultMode, remediations }) => ({
      id,
      title,
      category,
      severity,
      reads,
      defaultMode,
      remediations,
    })),
    defaults: baseline.defaults,
    thirdPartyProducts: baseline.thirdPartyProducts,
    windowsReleases: baseline.windowsReleases,
  };
}
