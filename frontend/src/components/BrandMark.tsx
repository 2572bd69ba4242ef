/** The ReelMetrics mark: a strip of film. */
export function BrandMark() {
  return (
    <svg className="brand__mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="2" y="5" width="20" height="14" rx="2" />
      <path d="M6 5v14M18 5v14M2 9.5h4M2 14.5h4M18 9.5h4M18 14.5h4" />
    </svg>
  );
}
