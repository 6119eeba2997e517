// The shared JSON Schemas as tests read them (Vitest only: import.meta.glob is Vite's).

const RAW = import.meta.glob<string>('../../../shared_schema/schemas/record-body.schema.json', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** shared_schema/schemas/record-body.schema.json, parsed. */
export const RECORD_BODY_SCHEMA: unknown = JSON.parse(RAW['../../../shared_schema/schemas/record-body.schema.json']!);
