import { useEffect, useState } from 'preact/hooks';

const base = '/console/';

/** The console's path below /console/, e.g. `tenants/<id>`. */
export function currentPath(): string {
  return location.pathname.startsWith(base) ? location.pathname.slice(base.length).replace(/\/+$/, '') : '';
}

export function href(path: string): string {
  return `${base}${path}`;
}

/** Moves to a console page without a reload (the server answers every console path with the app). */
export function navigate(path: string): void {
  history.pushState(null, '', href(path));
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** Follows same-origin console links without a reload; other clicks (new tab, modifiers) stay the browser's. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest('a');
  if (!anchor || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || anchor.target) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(base)) return;
  event.preventDefault();
  navigate(url.pathname.slice(base.length) + url.search);
}
