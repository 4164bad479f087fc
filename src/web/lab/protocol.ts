/** Messages between the lab page and its worker: one request per section, answered by id. */
export type SectionId = 'scatter' | 'compare' | 'importance' | 'natural' | 'ppo' | 'model' | 'attention';

export interface LabRequest {
  id: number;
  section: SectionId;
  params: Record<string, number | string>;
}

export type LabResponse =
  | { id: number; section: SectionId; ok: true; result: unknown; ms: number }
  | { id: number; section: SectionId; ok: false; error: string };
