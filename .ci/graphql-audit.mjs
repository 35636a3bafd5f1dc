// Checks a running Tessera against the GraphQL-over-HTTP specification (graphql-http's audits) and
// checks the served schema with graphql-js: it must be valid, and every type, field, argument and
// enum value must carry a description.
// Usage: node .ci/graphql-audit.mjs http://127.0.0.1:PORT/graphql   (graphql and graphql-http installed)
import { serverAudits } from 'graphql-http';
import { buildClientSchema, getIntrospectionQuery, assertValidSchema, isObjectType, isInterfaceType,
  isInputObjectType, isEnumType, isScalarType, isUnionType, isSpecifiedScalarType, isIntrospectionType } from 'graphql';

const url = process.argv[2];
if (!url) { console.error('usage: graphql-audit.mjs URL'); process.exit(2); }
let failures = 0;

for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  const line = `${result.status.toUpperCase().padEnd(5)} ${audit.id} ${audit.name}`;
  if (result.status === 'error') { failures++; console.log(line, '\n      ', result.reason); }
  else if (result.status === 'warn') { console.log(line, '\n      ', result.reason); }
  else console.log(line);
}

const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) }) });
const body = await res.json();
if (!body.data) { console.log('introspection failed', JSON.stringify(body)); process.exit(1); }
const schema = buildClientSchema(body.data);
assertValidSchema(schema);
const missing = [];
const described = (thing) => typeof thing.description === 'string' && thing.description.trim().length > 0;
for (const type of Object.values(schema.getTypeMap())) {
  if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
  if (!described(type)) missing.push(`type ${type.name}`);
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!described(field)) missing.push(`field ${type.name}.${field.name}`);
      for (const arg of field.args ?? []) if (!described(arg)) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
    }
  }
  if (isEnumType(type)) for (const v of type.getValues()) if (!described(v)) missing.push(`enum value ${type.name}.${v.name}`);
  if (isScalarType(type) || isUnionType(type)) continue;
}
console.log(`schema: ${Object.keys(schema.getTypeMap()).length} types, valid for graphql-js`);
if (missing.length) { failures++; console.log('missing descriptions:\n  ' + missing.join('\n  ')); }
console.log(failures ? `FAILED (${failures})` : 'all audits passed');
process.exit(failures ? 1 : 0);
