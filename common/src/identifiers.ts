/**
 * Identifiers of the Dutch education register, as described in shared/docs/domain.md.
 * Each validator returns null when the value is valid, otherwise the reason it is not.
 */

const BRIN = /^[0-9]{2}[A-Z0-9]{2}$/;
const VESTIGINGSNUMMER = /^[0-9]{2}[A-Z0-9]{2}[0-9]{2}$/;
const BEVOEGD_GEZAG_NUMMER = /^[0-9]{5}$/;
const RIO_BESTUUR_CODE = /^[0-9]{3}B[0-9]{3}$/;
const KVK = /^[0-9]{8}$/;
const RSIN = /^[0-9]{9}$/;
const OIN = /^[0-9]{20}$/;
const SWV_CODE = /^(PO|VO)[0-9]{4}$/;

export function brinProblem(value: string): string | null {
  return BRIN.test(value) ? null : 'a BRIN is 2 digits followed by 2 capital letters or digits, e.g. 25BE';
}

export function vestigingsnummerProblem(value: string): string | null {
  return VESTIGINGSNUMMER.test(value)
    ? null
    : 'a vestigingsnummer is a BRIN followed by 2 digits, e.g. 25BE00';
}

export function bevoegdGezagNummerProblem(value: string): string | null {
  return BEVOEGD_GEZAG_NUMMER.test(value) ? null : 'a bevoegd gezag nummer is 5 digits, e.g. 41234';
}

export function rioBestuurCodeProblem(value: string): string | null {
  return RIO_BESTUUR_CODE.test(value)
    ? null
    : 'a RIO onderwijsbestuur code is 3 digits, B, 3 digits, e.g. 101B584';
}

export function kvkNummerProblem(value: string): string | null {
  return KVK.test(value) ? null : 'a KvK number is 8 digits';
}

export function rsinProblem(value: string): string | null {
  if (!RSIN.test(value)) return 'an RSIN is 9 digits';
  // RSIN numbers pass the eleven test (elfproef): weights 9..2 and -1 for the last digit.
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(value[i]) * (9 - i);
  sum -= Number(value[8]);
  return sum % 11 === 0 ? null : 'an RSIN must pass the eleven test';
}

export function oinProblem(value: string): string | null {
  return OIN.test(value) ? null : 'an OIN is 20 digits, e.g. 00000003272448340204';
}

export function swvCodeProblem(value: string): string | null {
  return SWV_CODE.test(value)
    ? null
    : 'a samenwerkingsverband code is PO or VO followed by 4 digits, e.g. PO2202';
}

/** The school's OIN: 00000007 + 000 + BRIN + 00000 (shared/docs/domain.md). */
export function schoolOin(brin: string): string {
  const problem = brinProblem(brin);
  if (problem) throw new Error(`Cannot derive an OIN from BRIN ${JSON.stringify(brin)}: ${problem}`);
  return `00000007000${brin}00000`;
}

/** "PO2202" is displayed as "PO 22-02". */
export function swvDisplayCode(code: string): string {
  return `${code.slice(0, 2)} ${code.slice(2, 4)}-${code.slice(4, 6)}`;
}
