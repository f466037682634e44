/**
 * The fields of an HTML form as the test client sees them, one class per kind, each with the value
 * rules of WebTest's fields and the HTML standard's form data set: a text-like field always has a
 * string value; a select takes only one of its options (unless forced); a radio group has one
 * value or none; a checkbox is checked or not; a file field holds an {@link Upload}; a submit
 * button's value is fixed and sent only when that button is the one pressed.
 */
import { Upload } from './request-body.ts';

/** The value a field reports. */
export type FieldValue = string | readonly string[] | Upload | null;

/** What `form.set()` accepts; each field kind checks what it can take. */
export type FormValue = string | number | boolean | null | readonly string[] | Upload;

/** One name/value pair of a form submission. */
export type FormEntry = readonly [name: string, value: string | Upload];

/** The attributes every field keeps from its element. */
export interface FieldInit {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly disabled: boolean;
}

/**
 * A form control. Disabled controls are listed but never submitted (HTML's form data set).
 * Reach fields through a {@link Form}; check their kind with `instanceof`.
 *
 * @example
 * ```ts
 * import { Select, type Form } from 'trowel/testing';
 * function pickLast(form: Form, name: string): void {
 *   const field = form.field(name);
 *   if (field instanceof Select) field.set(field.options.at(-1)?.value ?? '');
 * }
 * ```
 */
export abstract class Field {
  /** The `name` attribute. */
  readonly name: string;
  /** The element's attributes, as written. */
  readonly attrs: Readonly<Record<string, string>>;
  /** True for a disabled control (or one inside a disabled fieldset). */
  readonly disabled: boolean;
  /** The kind: the input type, or `textarea`, `select`, `select-multiple`, `button`. */
  abstract readonly kind: string;

  constructor(init: FieldInit) {
    this.name = init.name;
    this.attrs = init.attrs;
    this.disabled = init.disabled;
  }

  /** The `id` attribute, if any. */
  get id(): string | undefined {
    return this.attrs['id'];
  }

  /** The current value. */
  abstract get value(): FieldValue;

  /**
   * Changes the value, refusing one the control could not take in a browser.
   *
   * @throws {TypeError} for a value of the wrong shape or not among the options.
   */
  abstract set(value: FormValue): void;

  /** What this field contributes to a submission at `option` (a radio input's index). */
  abstract entries(option: number): FormEntry[];

  protected refuse(value: unknown, why: string): never {
    throw new TypeError(
      `${this.kind} field ${JSON.stringify(this.name)}: ${why}, got ${show(value)}`,
    );
  }
}

function show(value: unknown): string {
  return value instanceof Upload
    ? `Upload(${JSON.stringify(value.filename)})`
    : JSON.stringify(value);
}

/** Text-like inputs (text, password, hidden, email, search, number, date, …) and textarea. */
export class TextField extends Field {
  readonly kind: string;
  #value: string;

  constructor(init: FieldInit, kind: string, value: string) {
    super(init);
    this.kind = kind;
    this.#value = value;
  }

  get value(): string {
    return this.#value;
  }

  set(value: FormValue): void {
    if (typeof value === 'string' || typeof value === 'number') this.#value = String(value);
    else this.refuse(value, 'expected a string or number');
  }

  entries(): FormEntry[] {
    return [[this.name, this.#value]];
  }
}

/** An option of a select or a radio group. */
export interface FieldOption {
  /** The submitted value (a select option without `value` submits its text). */
  readonly value: string;
  /** The visible text, whitespace collapsed. */
  readonly text: string;
}

/** A single-choice `<select>`. */
export class Select extends Field {
  readonly kind: string = 'select';
  /** The options, in document order. */
  readonly options: readonly FieldOption[];
  #value: string | null;

  constructor(init: FieldInit, options: readonly FieldOption[], selected: number | undefined) {
    super(init);
    this.options = options;
    // With nothing selected, a browser shows (and submits) the first option.
    this.#value = options[selected ?? 0]?.value ?? null;
  }

  get value(): string | null {
    return this.#value;
  }

  set(value: FormValue): void {
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.refuse(value, 'expected an option value');
    }
    const wanted = String(value);
    if (!this.options.some((o) => o.value === wanted)) {
      this.refuse(wanted, `expected one of ${show(this.options.map((o) => o.value))}`);
    }
    this.#value = wanted;
  }

  /** Selects the option whose visible text is `text`. */
  selectText(text: string): void {
    const option = this.options.find((o) => o.text === text.trim());
    if (!option)
      this.refuse(text, `no option has the text; texts: ${show(this.options.map((o) => o.text))}`);
    this.#value = option.value;
  }

  /** Sets a value that is not among the options, as a hand-crafted request could. */
  forceValue(value: string): void {
    this.#value = value;
  }

  entries(): FormEntry[] {
    return this.#value === null ? [] : [[this.name, this.#value]];
  }
}

/** A `<select multiple>`. */
export class MultipleSelect extends Field {
  readonly kind: string = 'select-multiple';
  readonly options: readonly FieldOption[];
  #values: readonly string[];

  constructor(init: FieldInit, options: readonly FieldOption[], selected: readonly number[]) {
    super(init);
    this.options = options;
    this.#values = selected.flatMap((i) => options[i]?.value ?? []);
  }

  /** The selected values, in option order; empty when none is selected. */
  get value(): readonly string[] {
    return this.#values;
  }

  set(value: FormValue): void {
    const wanted = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(wanted)) this.refuse(value, 'expected a list of option values');
    const known = new Set(this.options.map((o) => o.value));
    const unknown = (wanted as readonly string[]).filter((v) => !known.has(v));
    if (unknown.length > 0) this.refuse(unknown, `expected values among ${show([...known])}`);
    this.#values = [...(wanted as readonly string[])];
  }

  /** Selects the options whose visible texts are given. */
  selectTexts(texts: readonly string[]): void {
    this.#values = texts.map((text) => {
      const option = this.options.find((o) => o.text === text.trim());
      if (!option) this.refuse(text, 'no option has the text');
      return option.value;
    });
  }

  /** Sets values that need not be among the options. */
  forceValue(values: readonly string[]): void {
    this.#values = [...values];
  }

  entries(): FormEntry[] {
    return this.#values.map((v) => [this.name, v] as const);
  }
}

/** A group of radio inputs sharing a name: one field, one value or none. */
export class Radio extends Field {
  readonly kind: string = 'radio';
  /** One option per radio input, in document order. */
  readonly options: readonly FieldOption[];
  #checked: number | undefined;
  #forced: string | undefined;

  constructor(init: FieldInit, options: readonly FieldOption[], checked: number | undefined) {
    super(init);
    this.options = options;
    this.#checked = checked;
  }

  /** The checked input's value, or `null` when none is checked. */
  get value(): string | null {
    if (this.#forced !== undefined) return this.#forced;
    return this.#checked === undefined ? null : (this.options[this.#checked]?.value ?? null);
  }

  set(value: FormValue): void {
    this.#forced = undefined;
    if (value === null) {
      this.#checked = undefined;
      return;
    }
    if (typeof value !== 'string') this.refuse(value, 'expected an option value or null');
    const index = this.options.findIndex((o) => o.value === value);
    if (index === -1)
      this.refuse(value, `expected one of ${show(this.options.map((o) => o.value))}`);
    this.#checked = index;
  }

  /** Sends `value` even though no radio input has it. */
  forceValue(value: string): void {
    this.#forced = value;
    this.#checked = undefined;
  }

  entries(option: number): FormEntry[] {
    // A radio group's pair sits where its checked input is (WebTest's radio_input_order); a
    // forced value sits at the first input.
    if (this.#forced !== undefined) return option === 0 ? [[this.name, this.#forced]] : [];
    return option === this.#checked ? [[this.name, this.options[option]?.value ?? 'on']] : [];
  }
}

/** One checkbox. Several checkboxes may share a name; `form.set(name, [...])` sets the group. */
export class Checkbox extends Field {
  readonly kind: string = 'checkbox';
  /** The value sent when checked (`'on'` without a `value` attribute). */
  readonly onValue: string;
  /** Whether the box is checked. */
  checked: boolean;

  constructor(init: FieldInit, checked: boolean) {
    super(init);
    this.onValue = init.attrs['value'] ?? 'on';
    this.checked = checked;
  }

  /** The value sent: {@link onValue} when checked, `null` otherwise. */
  get value(): string | null {
    return this.checked ? this.onValue : null;
  }

  /** `true`, or the box's own value, checks; `false`, `null` or `''` unchecks. */
  set(value: FormValue): void {
    if (typeof value === 'boolean' || value === null) this.checked = value === true;
    else if (value === this.onValue || value === '') this.checked = value !== '';
    else this.refuse(value, `expected a boolean, null or ${show(this.onValue)}`);
  }

  entries(): FormEntry[] {
    return this.checked ? [[this.name, this.onValue]] : [];
  }
}

/** An `<input type=file>`. Unset, it submits an empty part with an empty filename. */
export class FileField extends Field {
  readonly kind: string = 'file';
  #upload: Upload | null = null;

  get value(): Upload | null {
    return this.#upload;
  }

  /** An {@link Upload}; a string is a file name to read from disk; `null` clears. */
  set(value: FormValue): void {
    if (value === null || value instanceof Upload) this.#upload = value;
    else if (typeof value === 'string') this.#upload = new Upload(value);
    else this.refuse(value, 'expected an Upload, a file name or null');
  }

  entries(): FormEntry[] {
    return [[this.name, this.#upload ?? new Upload('', new Uint8Array(0))]];
  }
}

/** A submit button: `<input type=submit|image>` or a `<button>` of type submit. */
export class SubmitButton extends Field {
  readonly kind: string;

  constructor(init: FieldInit, kind: string) {
    super(init);
    this.kind = kind;
  }

  /** A button's value is sent only when it is pressed, so it reports `null`. */
  get value(): null {
    return null;
  }

  /** The value sent when this button is the one pressed (`''` without a `value` attribute). */
  get valueIfSubmitted(): string {
    return this.attrs['value'] ?? '';
  }

  set(value: FormValue): never {
    this.refuse(value, 'a button cannot be set; pass its name to form.submit()');
  }

  entries(): FormEntry[] {
    // An image button sends the click coordinates, not its value (HTML's form data set).
    if (this.kind === 'image') {
      const prefix = this.name === '' ? '' : `${this.name}.`;
      return [
        [`${prefix}x`, '0'],
        [`${prefix}y`, '0'],
      ];
    }
    return this.name === '' ? [] : [[this.name, this.valueIfSubmitted]];
  }
}
