import { RingKernelError } from '../../errors.js';

/**
 * A telemetry server was asked to listen beyond this machine without a token. Metrics and the
 * dashboard show message contents and kernel names, so they stay on loopback unless protected.
 */
export class InsecureBindingError extends RingKernelError {
  readonly host: string;

  constructor(host: string, what: string) {
    super(
      'INSECURE_BINDING',
      `refusing to serve the ${what} on '${host}' without a token: bind to 127.0.0.1 (the default), ` +
        'or pass { token } (at least 16 characters) so that requests must carry it',
    );
    this.host = host;
  }
}

/** `@opentelemetry/api` is not installed and no meter was passed. */
export class OpenTelemetryUnavailableError extends RingKernelError {
  constructor(cause: unknown) {
    super(
      'OPENTELEMETRY_UNAVAILABLE',
      "the OpenTelemetry adapter needs '@opentelemetry/api': install it (npm install @opentelemetry/api) " +
        'or pass { meter } yourself',
      { cause },
    );
  }
}
