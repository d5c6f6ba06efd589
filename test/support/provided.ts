/** What test/global-setup.ts provides to every test file. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the test run's database server. */
    mongodbUri: string;
    /** PostgreSQL behind it when it is FerretDB over PostgreSQL (empty otherwise). */
    postgresUrl: string;
  }
}

export {};
