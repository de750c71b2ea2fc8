// Validates FHIR R4 JSON resources with an independent library (npm's `fhir`, which checks
// each resource against the R4 StructureDefinitions and value sets it bundles).
// Usage: node validate-fhir.mjs FILE.json... ; prints one line per file, exits 1 if any fails.
import { readFileSync } from 'node:fs';
import pkg from 'fhir';

const { Fhir } = pkg;
const fhir = new Fhir();
let failed = 0;
for (const file of process.argv.slice(2)) {
  const resource = JSON.parse(readFileSync(file, 'utf8'));
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  const errors = result.messages.filter((m) => m.severity === 'error');
  if (result.valid && errors.length === 0) {
    console.log(`valid ${resource.resourceType} ${file}`);
  } else {
    failed += 1;
    console.log(`INVALID ${resource.resourceType} ${file}: ${JSON.stringify(errors)}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
