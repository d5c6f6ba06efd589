/**
 * Hand-written RIO data for the import tests: a first snapshot (January 2026) and a second
 * one (September 2026) in which boards 43555 merges into 42001, school 00AV moves on its own,
 * 31EW closes, 09UV disappears, 14AB is renamed, 25BE loses a vestiging and 40XY is new.
 */

const board = (nummer: string, bestuurID: string, naam: string, extra: Record<string, unknown> = {}) => ({
  bevoegdGezagNummer: nummer,
  bestuurID,
  naam,
  kVKnummer: `${nummer}000`,
  inBedrijfdatum: '1998-01-01',
  uitBedrijfdatum: null,
  ...extra,
});

const swvs = [
  { code: 'PO2001', naam: 'SWV PO Groningen', sector: 'PO' },
  { code: 'PO3101', naam: 'SWV PO Maasland', sector: 'PO' },
  { code: 'VO2507', naam: 'SWV VO Midden', sector: 'VO' },
];

interface SchoolSpec {
  brin: string;
  naam: string;
  sector: string;
  soort: string;
  board: string;
  since: string;
  start: string;
  end?: string;
  swv: string[];
  locaties: string[];
}

function resources(schools: SchoolSpec[]) {
  return {
    onderwijsinstellingserkenningen: schools.map((s) => ({ bRIN4: s.brin, bevoegdGezagNummer: s.board, begindatum: s.since })),
    onderwijsaanbieders: schools.map((s) => ({
      bRIN4: s.brin,
      naam: s.naam,
      onderwijssector: s.sector,
      soortCode: s.soort,
      inBedrijfdatum: s.start,
      uitBedrijfdatum: s.end ?? null,
      samenwerkingsverbanden: s.swv,
    })),
    onderwijslocaties: schools.flatMap((s) =>
      s.locaties.map((nummer, i) => ({
        vestigingsnummer: nummer,
        naam: i === 0 ? s.naam : `${s.naam} (dependance)`,
        adres: { straatnaam: 'Schoolstraat', huisnummer: String(i + 1), postcode: '9711 AB', plaatsnaam: 'Groningen' },
        gemeentenaam: 'Groningen',
      })),
    ),
  };
}

const FIRST_SCHOOLS: SchoolSpec[] = [
  { brin: '00AV', naam: 'Basisschool De Regenboog', sector: 'PO', soort: 'BAS', board: '41234', since: '1990-08-01', start: '1990-08-01', swv: ['PO2001'], locaties: ['00AV00'] },
  { brin: '09UV', naam: 'Basisschool Øresund', sector: 'PO', soort: 'BAS', board: '41234', since: '1985-08-01', start: '1985-08-01', swv: ['PO2001'], locaties: ['09UV00'] },
  { brin: '14AB', naam: 'Openbare Basisschool De Linde', sector: 'PO', soort: 'BAS', board: '42001', since: '2003-08-01', start: '1975-08-01', swv: ['PO3101'], locaties: ['14AB00'] },
  { brin: '17GH', naam: 'Christelijk Lyceum Midden', sector: 'VO', soort: 'VOS', board: '43555', since: '1985-01-01', start: '1960-08-01', swv: ['VO2507'], locaties: ['17GH00'] },
  { brin: '18JK', naam: 'Christelijk College De Vecht', sector: 'VO', soort: 'VOS', board: '43555', since: '1985-01-01', start: '1970-08-01', swv: ['VO2507'], locaties: ['18JK00'] },
  { brin: '25BE', naam: 'Basisschool Één Wereld', sector: 'PO', soort: 'BAS', board: '41234', since: '1998-01-01', start: '1980-08-01', swv: ['PO2001'], locaties: ['25BE00', '25BE01'] },
  { brin: '31EW', naam: 'Sint-Jozefschool', sector: 'PO', soort: 'BAS', board: '41234', since: '1998-01-01', start: '1950-08-01', swv: ['PO2001'], locaties: ['31EW00'] },
];

export const FIRST = {
  peilmoment: '2026-01-05T06:00:00.000Z',
  peildatum: '2026-01-05',
  onderwijsbesturen: [
    board('41234', '101B584', 'Stichting Noord'),
    board('42001', '102B117', 'Stichting Maasland'),
    board('43555', '103B902', 'Vereniging Midden'),
  ],
  samenwerkingsverbanden: swvs,
  ...resources(FIRST_SCHOOLS),
};

const SECOND_SCHOOLS: SchoolSpec[] = [
  // moved on its own to 42001, and so to another SWV
  { ...FIRST_SCHOOLS[0]!, board: '42001', since: '2026-08-01', swv: ['PO3101'] },
  // 09UV is missing: a full snapshot ends it
  { ...FIRST_SCHOOLS[2]!, naam: 'Openbare Basisschool De Linde-Maas' },
  // board merger: 43555's schools join 42001
  { ...FIRST_SCHOOLS[3]!, board: '42001', since: '2026-08-01' },
  { ...FIRST_SCHOOLS[4]!, board: '42001', since: '2026-08-01' },
  // 25BE01 is gone
  { ...FIRST_SCHOOLS[5]!, locaties: ['25BE00'] },
  // closed
  { ...FIRST_SCHOOLS[6]!, end: '2026-07-31' },
  // new
  { brin: '40XY', naam: 'Kindcentrum De Maasoever', sector: 'PO', soort: 'BAS', board: '42001', since: '2026-08-01', start: '2026-08-01', swv: ['PO3101'], locaties: ['40XY00'] },
];

function secondBundle() {
  const r = resources(SECOND_SCHOOLS);
  return {
    peilmoment: '2026-09-01T06:00:00.000Z',
    peildatum: '2026-09-01',
    onderwijsbesturen: [
      board('41234', '101B584', 'Stichting Noord-Groningen'),
      board('42001', '102B117', 'Stichting Maasland'),
      board('43555', '103B902', 'Vereniging Midden', { uitBedrijfdatum: '2026-07-31' }),
      // [3] invalid bevoegd gezag nummer
      board('4123', '104B001', 'Bestuur Met Fout Nummer', { kVKnummer: '41230000' }),
    ],
    samenwerkingsverbanden: swvs,
    onderwijsinstellingserkenningen: [
      ...r.onderwijsinstellingserkenningen,
      // [7] unknown board
      { bRIN4: '77QQ', bevoegdGezagNummer: '49999', begindatum: '2026-08-01' },
    ],
    onderwijsaanbieders: [
      ...r.onderwijsaanbieders,
      // [7] its erkenning was rejected
      { bRIN4: '77QQ', naam: 'School Zonder Bestuur', onderwijssector: 'PO', soortCode: 'BAS', inBedrijfdatum: '2026-08-01', samenwerkingsverbanden: [] },
      // [8] invalid BRIN
      { bRIN4: 'X1Y2', naam: 'School Met Fout BRIN', onderwijssector: 'PO', soortCode: 'BAS', samenwerkingsverbanden: [] },
      // [9] duplicate of [6]
      { ...r.onderwijsaanbieders[6]!, naam: 'Kindcentrum De Maasoever (dubbel)' },
    ],
    onderwijslocaties: r.onderwijslocaties,
  };
}

export const SECOND = secondBundle();
