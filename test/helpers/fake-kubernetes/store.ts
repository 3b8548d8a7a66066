/**
 * The object store of the fake Kubernetes API server: Jobs and Pods by name, one
 * resourceVersion counter for both (as etcd's revision), and the event history that watches
 * replay from. `compact()` forgets the history, after which a watch from an older
 * resourceVersion gets 410 Gone, as after etcd compaction.
 */
import { randomUUID } from 'node:crypto';

export type Kind = 'Job' | 'Pod';
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
/** A stored object (Job or Pod), as JSON. */
export interface KObject {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}
export interface StoredEvent {
  rv: number;
  type: EventType;
  object: KObject;
}

/** Equality selectors (`a=b`, `a==b`, `a!=b`), comma-separated; '' matches everything. */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: string,
): boolean {
  for (const term of selector.split(',').filter(Boolean)) {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term.trim());
    if (!m) return false;
    const [, key = '', op, value] = m;
    const has = labels?.[key];
    if (op === '!=' ? has === value : has !== value) return false;
  }
  return true;
}

export class Store {
  readonly objects = { Job: new Map<string, KObject>(), Pod: new Map<string, KObject>() };
  private rv = 1;
  private history: StoredEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldest = 1;
  private readonly listeners = new Set<(kind: Kind, e: StoredEvent) => void>();

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Record a change and tell the watchers. */
  write(type: EventType, object: KObject): KObject {
    this.rv++;
    const copy = structuredClone(object);
    copy.metadata.resourceVersion = String(this.rv);
    if (type === 'ADDED') {
      copy.metadata.uid ??= randomUUID();
      copy.metadata.creationTimestamp ??= new Date().toISOString();
    }
    const map = this.objects[copy.kind];
    if (type === 'DELETED') map.delete(copy.metadata.name);
    else map.set(copy.metadata.name, copy);
    const event = { rv: this.rv, type, object: copy };
    this.history.push(event);
    for (const l of this.listeners) l(copy.kind, event);
    return copy;
  }

  /** Events after `rv` of a kind, or undefined when `rv` is older than what is kept. */
  since(kind: Kind, rv: number): StoredEvent[] | undefined {
    if (rv < this.oldest - 1) return undefined;
    return this.history.filter((e) => e.rv > rv && e.object.kind === kind);
  }

  subscribe(listener: (kind: Kind, e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget the history: watches must relist. */
  compact(): void {
    this.history = [];
    this.oldest = this.rv + 1;
  }
}
