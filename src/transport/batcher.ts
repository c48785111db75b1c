/**
 * Groups calls bound for one peer. Items that arrive while `maxInFlight` calls are on the
 * wire, or within one turn of the event loop, leave together in the next call: under load
 * many requests share one round trip (and one parse on each side), while an idle channel
 * sends at once. With maxInFlight 1 batches leave, and arrive, in the order of their items.
 */
export class Batcher<Item, Result> {
  private queue: Array<{item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void}> = []
  private inFlight = 0
  private scheduled = false

  constructor(
    /** Sends one batch; resolves with one result per item, in order, or rejects for all. */
    private readonly sendBatch: (items: Item[]) => Promise<Result[]>,
    private readonly maxInFlight: number,
    /** Most items per call, counted by `sizeOf` (an item larger than that goes alone). */
    private readonly maxBatch = 1024,
    private readonly sizeOf: (item: Item) => number = () => 1,
  ) {}

  send(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({item, resolve, reject})
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.flush()
    })
  }

  private flush(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return
    let n = 0
    let size = 0
    while (n < this.queue.length && (n === 0 || size + this.sizeOf(this.queue[n].item) <= this.maxBatch)) size += this.sizeOf(this.queue[n++].item)
    const batch = this.queue.splice(0, n)
    this.inFlight++
    this.sendBatch(batch.map((w) => w.item))
      .then(
        (results) => {
          for (const [i, w] of batch.entries()) w.resolve(results[i])
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error)
        },
      )
      .finally(() => {
        this.inFlight--
        this.schedule()
      })
  }
}
