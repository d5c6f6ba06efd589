/**
 * Error messages without schema details, for a gateway whose introspection is off. graphql-js
 * names in its validation and variable messages what the caller did not write: the name and
 * type of a required argument left out, every required field of an input object, the type an
 * argument or a variable position expects, the input type behind a literal. One bad request
 * after another would read the schema that introspection keeps closed. Each message keeps
 * what the caller wrote (the field, the argument, the variable, the value) and says what is
 * wrong without the rest. Names the caller wrote stay, and so do output type names (a query
 * of a field names its type anyway: "Cannot query field "x" on type "Service"").
 */
import type { GraphQLFormattedError } from 'graphql';

const MASKS: [RegExp, string][] = [
  // "Did you mean …?" suggests field, type and enum value names.
  [/ ?Did you mean(.+?)\?$/, ''],
  // A required argument left out: its name and type.
  [/^Field "([^"]+)" argument "[^"]+" of type "[^"]+" is required, but it was not provided\.$/, 'Field "$1" is missing a required argument.'],
  [/^Directive "@([^"]+)" argument "[^"]+" of type "[^"]+" is required, but it was not provided\.$/, 'Directive "@$1" is missing a required argument.'],
  // A required input field left out (a literal names the input type too).
  [/^Field "[^"]+" of required type "[^"]+" was not provided\.$/, 'A required input field was not provided.'],
  [/; Field "[^"]+" of required type "[^"]+" was not provided\.$/, '; a required input field was not provided.'],
  // An input field the caller wrote that does not exist: the input type it was checked against.
  [/Field "([^"]+)" is not defined by type "[^"]+"\.$/, 'Field "$1" is not defined by the input type.'],
  // The type a variable's position expects.
  [/^Variable "([^"]+)" of type "([^"]+)" used in position expecting type "[^"]+"\.$/, 'Variable "$1" of type "$2" is used in a position expecting another type.'],
  // An argument or value checked against a type the caller did not name.
  [/^Expected value of type "[^"]+", found (.+)$/, 'Unexpected value $1'],
  [/Argument "([^"]+)" of (?:required|non-null) type "[^"]+"/, 'Argument "$1"'],
  [/Enum "[^"]+" cannot represent/, 'The enum cannot represent'],
  [/Value "([^"]*)" does not exist in "[^"]+" enum\./, 'Value "$1" does not exist in the enum.'],
  // The parent type of an unknown argument.
  [/^Unknown argument "([^"]+)" on field "[^".]+\.([^"]+)"\.$/, 'Unknown argument "$1" on field "$2".'],
];

/** The message with the details above removed; the error as it was when none applies. */
export function withoutSchemaDetails(formatted: GraphQLFormattedError): GraphQLFormattedError {
  let message = formatted.message;
  for (const [pattern, replacement] of MASKS) message = message.replace(pattern, replacement);
  return message === formatted.message ? formatted : { ...formatted, message };
}
