/** A passage's citation id: `d<document id>c<position>`, stable while the document exists and short for buttons. */
export function citationIdOf(documentId: string | number, seq: number): string {
  return `d${documentId}c${seq}`;
}

/** The document id and position behind a citation id; undefined for anything else. */
export function parseCitationId(citationId: string): { documentId: number; seq: number } | undefined {
  const m = /^d(\d{1,15})c(\d{1,9})$/.exec(citationId.trim());
  return m ? { documentId: Number(m[1]), seq: Number(m[2]) } : undefined;
}
