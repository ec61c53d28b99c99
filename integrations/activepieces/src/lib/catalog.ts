import generated from '../generated/catalog.json';

/** The envelope every RecruitIQ webhook delivers. */
export interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  organizationId: string;
  data: Record<string, unknown>;
}

export interface CatalogEntry {
  type: string;
  description: string;
  sample: EventEnvelope;
}

/** Generated from the Python event catalog by scripts/generate-catalog.mjs; never edited by hand. */
export const CATALOG: readonly CatalogEntry[] = (generated as { eventTypes: CatalogEntry[] }).eventTypes;
