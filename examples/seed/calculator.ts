/**
 * The guide's calculator: structured error responses. Business errors (division by zero, invalid
 * input) become responses with `success: false` and a machine-readable `errorCode`; anything
 * unexpected is reported through `ctx.reportError` (counted in telemetry) and the loop goes on.
 */
import { TimeoutError, defineMessage, field, type MessageOf, ringKernel } from 'ringkernel';

export const CalculateRequest = defineMessage('CalculateRequest', {
  a: field.f64(),
  b: field.f64(),
  operation: field.string({ default: 'add' }),
});
export type CalculateRequest = MessageOf<typeof CalculateRequest>;

export const CalculateResponse = defineMessage('CalculateResponse', {
  result: field.f64(),
  success: field.bool({ default: true }),
  error: field.optional(field.string()),
  errorCode: field.optional(field.string()),
});
export type CalculateResponse = MessageOf<typeof CalculateResponse>;

/** A request the calculator cannot compute; its `code` goes into the response. */
export class CalculationError extends Error {
  constructor(
    readonly code: 'DIVIDE_BY_ZERO' | 'INVALID_INPUT',
    message: string,
  ) {
    super(message);
  }
}

export function calculate(a: number, b: number, operation: string): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    throw new CalculationError('INVALID_INPUT', `operands must be finite numbers, got ${a} and ${b}`);
  }
  switch (operation) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      if (b === 0) throw new CalculationError('DIVIDE_BY_ZERO', 'Division by zero');
      return a / b;
    default:
      throw new CalculationError(
        'INVALID_INPUT',
        `unknown operation '${operation}' (use add, sub, mul or div)`,
      );
  }
}

export const calculator = ringKernel<CalculateRequest, CalculateResponse>(
  { kernelId: 'calculator' },
  async (ctx) => {
    while (!ctx.shouldTerminate) {
      if (!ctx.isActive) {
        await ctx.waitActive();
        continue;
      }
      try {
        const request = await ctx.receive({ timeout: 100 });
        try {
          const result = calculate(request.a, request.b, request.operation);
          await ctx.send(CalculateResponse.reply(request, { result }));
        } catch (error) {
          if (!(error instanceof CalculationError)) throw error;
          await ctx.send(
            CalculateResponse.reply(request, {
              result: 0,
              success: false,
              error: error.message,
              errorCode: error.code,
            }),
          );
        }
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        // Unexpected: count it and keep serving.
        ctx.reportError(error);
      }
    }
  },
);
