import type { DocumentData, FirestoreDataConverter, QueryDocumentSnapshot, SnapshotOptions } from 'firebase/firestore';

/**
 * A converter for a document clients only read: `parse` validates whatever is stored and gives the
 * typed value, or null when the document cannot be understood. Writes use the plain reference.
 */
export function readConverter<T>(
  parse: (id: string, data: DocumentData) => T | null,
): FirestoreDataConverter<T | null, DocumentData> {
  return {
    fromFirestore: (snapshot: QueryDocumentSnapshot<DocumentData, DocumentData>, options?: SnapshotOptions) =>
      parse(snapshot.id, snapshot.data(options)),
    toFirestore: () => {
      throw new Error('This document is read-only here: write through its data module.');
    },
  };
}
