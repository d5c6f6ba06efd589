import { bevoegdGezagNummerProblem, brinProblem, invalidInput, swvCodeProblem } from '@osr/common';

/** Argument checks: a bad identifier is a BAD_USER_INPUT naming the field, value and why. */
export function checkBevoegdGezagNummer(field: string, value: string): string {
  const problem = bevoegdGezagNummerProblem(value);
  if (problem) throw invalidInput(field, value, problem);
  return value;
}

export function checkBrin(field: string, value: string): string {
  const problem = brinProblem(value);
  if (problem) throw invalidInput(field, value, problem);
  return value;
}

export function checkSwvCode(field: string, value: string): string {
  const problem = swvCodeProblem(value);
  if (problem) throw invalidInput(field, value, problem);
  return value;
}
