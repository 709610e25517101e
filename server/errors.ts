// Typed errors with an HTTP status; the one error handler in app.ts renders them.
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Sidan finns inte.') {
    super(404, 'not_found', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Du har inte behörighet till den här sidan.') {
    super(403, 'forbidden', message);
  }
}

export interface FieldProblem {
  field: string; // form field name, or "row 12" for imports
  message: string; // Swedish, names the field
}

/** Bad input: carries every problem so a form can show an error summary. */
export class ValidationError extends AppError {
  constructor(
    public readonly problems: FieldProblem[],
    message = 'Uppgifterna behöver rättas.',
  ) {
    super(400, 'validation', message);
  }
}

/** A state conflict, e.g. a transition that is not allowed or a stale form. */
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
