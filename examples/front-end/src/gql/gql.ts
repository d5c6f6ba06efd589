/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query BoardOverview($nummer: ID!) {\n    board(bevoegdGezagNummer: $nummer) {\n      bevoegdGezagNummer\n      name\n      schools {\n        brin\n        name\n        sector\n        aanleverpunten { index kind active }\n        mandates(services: [OSO_OV, OSO_SWV]) {\n          id\n          version\n          service { code name }\n          status\n          startDate\n          endDate\n          system { id name supplier { oin name } }\n        }\n      }\n    }\n  }\n": typeof types.BoardOverviewDocument,
    "\n  mutation GrantMandate($input: GrantMandateInput!, $reason: String) {\n    grantMandate(input: $input, reason: $reason) {\n      mandates { id version status startDate endDate service { code } system { name } }\n    }\n  }\n": typeof types.GrantMandateDocument,
};
const documents: Documents = {
    "\n  query BoardOverview($nummer: ID!) {\n    board(bevoegdGezagNummer: $nummer) {\n      bevoegdGezagNummer\n      name\n      schools {\n        brin\n        name\n        sector\n        aanleverpunten { index kind active }\n        mandates(services: [OSO_OV, OSO_SWV]) {\n          id\n          version\n          service { code name }\n          status\n          startDate\n          endDate\n          system { id name supplier { oin name } }\n        }\n      }\n    }\n  }\n": types.BoardOverviewDocument,
    "\n  mutation GrantMandate($input: GrantMandateInput!, $reason: String) {\n    grantMandate(input: $input, reason: $reason) {\n      mandates { id version status startDate endDate service { code } system { name } }\n    }\n  }\n": types.GrantMandateDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardOverview($nummer: ID!) {\n    board(bevoegdGezagNummer: $nummer) {\n      bevoegdGezagNummer\n      name\n      schools {\n        brin\n        name\n        sector\n        aanleverpunten { index kind active }\n        mandates(services: [OSO_OV, OSO_SWV]) {\n          id\n          version\n          service { code name }\n          status\n          startDate\n          endDate\n          system { id name supplier { oin name } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').BoardOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GrantMandate($input: GrantMandateInput!, $reason: String) {\n    grantMandate(input: $input, reason: $reason) {\n      mandates { id version status startDate endDate service { code } system { name } }\n    }\n  }\n"): typeof import('./graphql').GrantMandateDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
