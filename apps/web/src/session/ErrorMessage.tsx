import { describeError } from './describe-error';

/**
 * The page's error area: the typed error's title, detail, code and HTTP status. `testId` tells one
 * area from another (default `session-error`, the form's).
 */
export function ErrorMessage({ error, testId = 'session-error' }: { error: unknown; testId?: string }) {
  if (error === undefined) {
    return null;
  }
  const { title, detail, code, name, status } = describeError(error);
  return (
    <div className="error" role="alert" data-testid={testId}>
      <strong className="error-title">{title}</strong>
      <p className="error-detail">{detail}</p>
      <p className="error-meta">
        code <code data-testid="error-code">{code}</code>
        {status !== undefined && <> · HTTP {status}</>} · {name}
      </p>
    </div>
  );
}
