/**
 * @apollo/gateway sends usage metrics to Apollo unless APOLLO_TELEMETRY_DISABLED is set, and
 * before that probes the cloud providers' metadata addresses (169.254.169.254 and others) to
 * describe where it runs. Our gateway sends nothing anywhere it was not told to: off unless
 * the operator sets APOLLO_TELEMETRY_DISABLED=false to opt in. Imported before any
 * ApolloGateway is made.
 */
if (process.env['APOLLO_TELEMETRY_DISABLED'] === undefined) process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';

export {};
