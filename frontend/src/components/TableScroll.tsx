import type { ReactNode } from 'react';

/**
 * A table that may scroll (sideways on a phone, down when long). The region is focusable and
 * named, so a keyboard user can scroll it too.
 */
export function TableScroll({ label, tall = false, children }: { label: string; tall?: boolean; children: ReactNode }) {
  return (
    <div className={`table-scroll${tall ? ' table-scroll--tall' : ''}`} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
