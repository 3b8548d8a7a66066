/**
 * A least-recently-used cache of byte arrays bounded by their total size, used to keep inflated
 * delta bases while resolving a pack. Entries larger than the whole budget are not cached.
 *
 * Recency is a doubly linked list through the entries, so a hit only relinks one node. (Moving a
 * key to the end of a Map by delete and set, as this did before, leaves a hole per hit at the
 * Map's front that every eviction scan walks over again: a push's pass 1 spent more time there
 * than in hashing its trees.)
 */
interface Node<K> {
  key: K;
  value: Uint8Array;
  prev: Node<K> | undefined;
  next: Node<K> | undefined;
}

export class ByteLru<K> {
  private readonly map = new Map<K, Node<K>>();
  /** Least recently used. */
  private head: Node<K> | undefined;
  /** Most recently used. */
  private tail: Node<K> | undefined;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes currently held. */
  get size(): number {
    return this.total;
  }

  /** Number of entries held. */
  get count(): number {
    return this.map.size;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): Uint8Array | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    if (node !== this.tail) {
      this.unlink(node);
      this.append(node);
    }
    return node.value;
  }

  /** Stores `value`, evicting least recently used entries to stay within the budget. */
  set(key: K, value: Uint8Array): void {
    this.delete(key);
    if (value.length > this.maxBytes) return;
    const node: Node<K> = { key, value, prev: undefined, next: undefined };
    this.map.set(key, node);
    this.append(node);
    this.total += value.length;
    while (this.total > this.maxBytes && this.head) {
      const old = this.head;
      this.unlink(old);
      this.map.delete(old.key);
      this.total -= old.value.length;
    }
  }

  /** Removes `key`. */
  delete(key: K): void {
    const node = this.map.get(key);
    if (node === undefined) return;
    this.unlink(node);
    this.map.delete(key);
    this.total -= node.value.length;
  }

  private append(node: Node<K>): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }

  private unlink(node: Node<K>): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
  }
}
