/**
 * The operations this front end sends, written once: graphql-codegen's client preset reads
 * them and generates their result and variable types (src/gql/, `npm run codegen`).
 */
import { graphql } from './gql/index.js';

/** The headline: a board, its schools, their aanleverpunten and both OSO mandates. */
export const BoardOverview = graphql(`
  query BoardOverview($nummer: ID!) {
    board(bevoegdGezagNummer: $nummer) {
      bevoegdGezagNummer
      name
      schools {
        brin
        name
        sector
        aanleverpunten { index kind active }
        mandates(services: [OSO_OV, OSO_SWV]) {
          id
          version
          service { code name }
          status
          startDate
          endDate
          system { id name supplier { oin name } }
        }
      }
    }
  }
`);

/** A board grants a supplier's system a mandate for one of its schools. */
export const GrantMandate = graphql(`
  mutation GrantMandate($input: GrantMandateInput!, $reason: String) {
    grantMandate(input: $input, reason: $reason) {
      mandates { id version status startDate endDate service { code } system { name } }
    }
  }
`);
