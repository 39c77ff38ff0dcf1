// graphql-schema-linter's rules for kimnet's schema (schema.graphql), run by tests/schema/test_schema_lint.py.
// The description and naming rules, all of them; the ordering rules stay off (fields are in the model's order).
const rules = [
  "arguments-have-descriptions",
  "descriptions-are-capitalized",
  "enum-values-have-descriptions",
  "fields-have-descriptions",
  "input-object-values-have-descriptions",
  "types-have-descriptions",
  "enum-values-all-caps",
  "fields-are-camel-cased",
  "input-object-values-are-camel-cased",
  "types-are-capitalized",
  "deprecations-have-a-reason",
];

// AND, OR and NOT in the filter inputs are boolean operators, in capitals as @neo4j/graphql and Hasura name
// them, and part of the API (the README's queries use them): the camel-case rule is waived for them only.
const whereInputs = [
  "CaseManagerWhere",
  "EntityWhere",
  "LegalDomainWhere",
  "MunicipalityWhere",
  "NeedWhere",
  "OrganisationWhere",
  "ProgrammeWhere",
  "RegionWhere",
  "ServiceWhere",
  "WorkingGroupWhere",
];

module.exports = {
  rules,
  ignore: {
    "input-object-values-are-camel-cased": whereInputs.flatMap((type) => ["AND", "OR", "NOT"].map((op) => `${type}.${op}`)),
  },
};
