/**
 * A request body that several applications can read in turn: what `cascade()` hands each
 * application it tries.
 *
 * Nothing is read before an application asks for it, and only what an application whose answer
 * may still be discarded has read is kept, up to a byte limit: an application that never touches
 * the body costs nothing, and the one whose answer wins streams the rest straight from the client.
 * Once more than the limit has been read by an application that may still be discarded, the body
 * can no longer be replayed; the caller finds out from {@link BodyReplay.overflowed}.
 *
 * Only one reader is live at a time: starting the next one ends the previous reader's stream with
 * an error, so a discarded application that keeps reading in the background cannot take bytes away
 * from the one that follows it.
 */

interface Reader {
  controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** The index (counted from the first chunk ever read) of the next chunk this reader gets. */
  position: number;
  done: boolean;
}

/** Replays one request body to a sequence of readers; see the module comment. */
export class BodyReplay {
  readonly #source: ReadableStream<Uint8Array>;
  readonly #limit: number;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Chunks read from the source and not yet released, starting at index {@link #base}. */
  #chunks: Uint8Array[] = [];
  #base = 0;
  #kept = 0;
  #keeping = true;
  #overflowed = false;
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #reading: Promise<void> | undefined;
  #live: Reader | undefined;

  /** @param limit the most bytes kept for replay */
  constructor(source: ReadableStream<Uint8Array>, limit: number) {
    this.#source = source;
    this.#limit = limit;
  }

  /** True once a reader has pulled from the client's body. */
  get touched(): boolean {
    return this.#reader !== undefined;
  }

  /** True when more than the limit was read by a reader that may be discarded: no replay is possible. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /**
   * A new reader, replaying from the first byte. The previous reader's stream ends with an error.
   * A `final` reader's bytes are not kept: nobody reads after it.
   */
  stream(final: boolean): ReadableStream<Uint8Array> {
    this.#detach();
    if (final) this.#keeping = false;
    const reader: Reader = { controller: undefined, position: this.#base, done: false };
    this.#live = reader;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          reader.controller = controller;
        },
        pull: (controller) => this.#pull(reader, controller),
        cancel: () => {
          reader.done = true;
          // A final reader that gives up means nobody wants the rest of the body.
          if (final) this.cancel();
        },
      },
      // Pull only when the application reads: creating the stream must not touch the client's body.
      { highWaterMark: 0 },
    );
  }

  /** The live reader's answer won: stop keeping bytes for readers that will never come. */
  settle(): void {
    this.#keeping = false;
    this.#release();
    if (this.#live?.done === true) this.cancel();
  }

  /** Ends every reader and cancels the client's body. Never throws. */
  cancel(): void {
    this.#detach();
    this.#chunks = [];
    this.#keeping = false;
    const settle = (): undefined => undefined;
    if (this.#reader !== undefined) this.#reader.cancel().catch(settle);
    else if (!this.#source.locked) this.#source.cancel().catch(settle);
  }

  async #pull(
    reader: Reader,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> {
    for (;;) {
      if (reader.done) return;
      const index = reader.position - this.#base;
      const chunk = this.#chunks[index];
      if (chunk !== undefined) {
        reader.position++;
        this.#release();
        controller.enqueue(chunk);
        return;
      }
      if (this.#failure !== undefined) {
        reader.done = true;
        controller.error(this.#failure.error);
        return;
      }
      if (this.#ended) {
        reader.done = true;
        controller.close();
        return;
      }
      await this.#fill();
    }
  }

  /** Reads one chunk from the client; concurrent callers share the read. */
  #fill(): Promise<void> {
    this.#reading ??= this.#readOne().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readOne(): Promise<void> {
    this.#reader ??= this.#source.getReader();
    try {
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        return;
      }
      this.#chunks.push(value);
      if (this.#keeping) {
        this.#kept += value.byteLength;
        if (this.#kept > this.#limit) {
          this.#overflowed = true;
          this.#keeping = false;
        }
      }
    } catch (error) {
      this.#failure = { error };
    }
  }

  /** Drops the chunks the live reader has passed, once they need not be replayed. */
  #release(): void {
    if (this.#keeping) return;
    const position = this.#live?.position ?? this.#base + this.#chunks.length;
    const passed = position - this.#base;
    if (passed <= 0) return;
    this.#chunks.splice(0, passed);
    this.#base = position;
  }

  #detach(): void {
    const live = this.#live;
    this.#live = undefined;
    if (live === undefined || live.done) return;
    live.done = true;
    live.controller?.error(
      new TypeError('cascade: the answer of this application was discarded; its body reader ended'),
    );
  }
}
