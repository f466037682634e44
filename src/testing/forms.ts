/**
 * HTML forms in a test response: read with a real HTML parser (cheerio, so nested or unclosed
 * tags, entities, `</textarea>` and `<select multiple>` behave as in a browser), filled in with
 * `form.set()`, and sent with `form.submit()` the way a browser builds the form data set:
 * document order, the pressed button's `name=value` (or an image button's coordinates), disabled
 * controls left out, `formaction` / `formmethod` / `formenctype` on the button honoured, files as
 * `multipart/form-data`.
 *
 * Differences from WebTest: unnamed, `type=button` and `type=reset` controls are not fields; a
 * method other than GET sends a body whatever its name; client-side validation (`required`,
 * `pattern`) is not applied, because the server must check anyway.
 */
import type { CheerioAPI } from 'cheerio';
import {
  Checkbox,
  Field,
  FileField,
  MultipleSelect,
  Radio,
  Select,
  SubmitButton,
  TextField,
  type FieldInit,
  type FieldOption,
  type FieldValue,
  type FormEntry,
  type FormValue,
} from './form-fields.ts';
import { select, type HtmlElement } from './html.ts';
import { Upload } from './request-body.ts';
import type { RequestOptions } from './options.ts';
import type { TestResponse } from './test-response.ts';

/** What a form needs from the page it came from. */
export interface FormHost {
  /** The document's base URL (its `<base href>`, else the response URL). */
  readonly baseUrl: string;
  /** Sends a request from this page (with the page as `Referer`). */
  goto(href: string, options: RequestOptions & { readonly method?: string }): Promise<TestResponse>;
}

/** Which submit button to press: its name, or `{ name, index }` / `{ name, value }`. */
export type ButtonChoice =
  string | { readonly name?: string; readonly index?: number; readonly value?: string };

interface Position {
  readonly field: Field;
  readonly option: number;
}

/**
 * One `<form>` of a response.
 *
 * @example
 * ```ts
 * import { TestApp } from 'trowel/testing';
 * const page = '<form method="post" action="/login"><input name="user"><button name="go">Go</button></form>';
 * const app = new TestApp((req) =>
 *   req.method === 'GET' ? new Response(page, { headers: { 'content-type': 'text/html' } }) : new Response('ok'),
 * );
 * const res = await app.get('/');
 * res.form.set('user', 'ada');
 * await res.form.submit('go');
 * ```
 */
export class Form {
  /** The `id` attribute, if any. */
  readonly id: string | undefined;
  /** The `action` attribute as written (`''` means the page itself). */
  readonly action: string;
  /** The method, upper-cased. @default 'GET' */
  readonly method: string;
  /** @default 'application/x-www-form-urlencoded' */
  readonly enctype: string;
  /** The fields by name, each name with its fields in document order (a radio group is one). */
  readonly fields: ReadonlyMap<string, readonly Field[]>;
  /** Every field in document order, buttons included. */
  readonly fieldOrder: readonly Field[];

  readonly #positions: readonly Position[];
  readonly #host: FormHost;

  constructor(
    attrs: Readonly<Record<string, string>>,
    positions: readonly Position[],
    host: FormHost,
  ) {
    this.id = attrs['id'];
    this.action = attrs['action'] ?? '';
    this.method = (attrs['method'] ?? 'GET').toUpperCase();
    this.enctype = attrs['enctype'] ?? 'application/x-www-form-urlencoded';
    this.#positions = positions;
    this.#host = host;
    const fields = new Map<string, Field[]>();
    const order: Field[] = [];
    for (const { field } of positions) {
      if (order.includes(field)) continue;
      order.push(field);
      if (field.name !== '') fields.set(field.name, [...(fields.get(field.name) ?? []), field]);
    }
    this.fields = fields;
    this.fieldOrder = order;
  }

  /**
   * The field named `name` (the `index`th when several share it).
   *
   * @throws {Error} when there is no such field, or several and no index.
   */
  field(name: string, index?: number): Field {
    const fields = this.fields.get(name) ?? [];
    if (index === undefined && fields.length > 1) {
      throw new Error(
        `form has ${fields.length} fields named ${JSON.stringify(name)}: pass an index`,
      );
    }
    const field = fields[index ?? 0];
    if (!field) {
      throw new Error(
        `form has no field ${JSON.stringify(name)}${index === undefined ? '' : ` at index ${index}`}; fields: ${[...this.fields.keys()].join(', ') || '(none)'}`,
      );
    }
    return field;
  }

  /** The value of the field named `name`; see {@link field}. */
  get(name: string, index?: number): FieldValue {
    return this.field(name, index).value;
  }

  /**
   * Sets a field's value. A list given to a name shared only by checkboxes checks exactly the
   * boxes with those values. Returns the form, for chaining.
   *
   * @throws {TypeError} for a value the field cannot take; {@link field}'s errors otherwise.
   */
  set(name: string, value: FormValue, index?: number): this {
    const fields = this.fields.get(name) ?? [];
    if (
      index === undefined &&
      Array.isArray(value) &&
      fields.length > 0 &&
      fields.every((f): f is Checkbox => f instanceof Checkbox)
    ) {
      const wanted = new Set(value as readonly string[]);
      const known = new Set(fields.map((f) => f.onValue));
      const unknown = [...wanted].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new TypeError(
          `checkboxes ${JSON.stringify(name)} have no value ${JSON.stringify(unknown)}; values: ${JSON.stringify([...known])}`,
        );
      }
      for (const f of fields) f.checked = wanted.has(f.onValue);
      return this;
    }
    this.field(name, index).set(value);
    return this;
  }

  /** Selects an option of a select by its visible text. */
  selectText(name: string, text: string, index?: number): this {
    const field = this.field(name, index);
    if (!(field instanceof Select))
      throw new TypeError(`field ${JSON.stringify(name)} is not a select`);
    field.selectText(text);
    return this;
  }

  /** Selects options of a `<select multiple>` by their visible texts. */
  selectTexts(name: string, texts: readonly string[], index?: number): this {
    const field = this.field(name, index);
    if (!(field instanceof MultipleSelect)) {
      throw new TypeError(`field ${JSON.stringify(name)} is not a multiple select`);
    }
    field.selectTexts(texts);
    return this;
  }

  /** The submit buttons, in document order. */
  get buttons(): readonly SubmitButton[] {
    return this.fieldOrder.filter((f) => f instanceof SubmitButton);
  }

  /** The file fields, in document order. */
  get uploadFields(): readonly FileField[] {
    return this.fieldOrder.filter((f) => f instanceof FileField);
  }

  /**
   * The name/value pairs a browser would send when `button` is pressed (none when omitted), in
   * document order.
   */
  submitFields(button?: ButtonChoice): FormEntry[] {
    const pressed = button === undefined ? undefined : this.#button(button);
    const entries: FormEntry[] = [];
    for (const { field, option } of this.#positions) {
      if (field.disabled) continue;
      if (field instanceof SubmitButton) {
        if (field === pressed) entries.push(...field.entries());
      } else {
        entries.push(...field.entries(option));
      }
    }
    return entries;
  }

  /**
   * Submits the form as if `button` were pressed, and resolves to the response. `options` are the
   * request options (status, headers, …).
   */
  async submit(button?: ButtonChoice, options: RequestOptions = {}): Promise<TestResponse> {
    const pressed = button === undefined ? undefined : this.#button(button);
    const entries = this.submitFields(button);
    const action = pressed?.attrs['formaction'] ?? this.action;
    const method = (pressed?.attrs['formmethod'] ?? this.method).toUpperCase();
    const enctype = (pressed?.attrs['formenctype'] ?? this.enctype).toLowerCase();
    // An empty action means the document itself (HTML's form submission algorithm).
    const url = new URL(action, this.#host.baseUrl);
    url.hash = '';
    const named = entries.map(([n, v]): [string, string] => [
      n,
      v instanceof Upload ? v.filename : v,
    ]);
    if (method === 'GET' || method === 'HEAD') {
      // A GET submission replaces the action's query with the form data.
      url.search = new URLSearchParams(named).toString();
      return this.#host.goto(url.href, { ...options, method });
    }
    if (enctype === 'multipart/form-data') {
      return this.#host.goto(url.href, {
        ...options,
        method,
        params: entries,
        contentType: 'multipart/form-data',
      });
    }
    if (enctype === 'text/plain') {
      const body = named.map(([n, v]) => `${n}=${v}\r\n`).join('');
      return this.#host.goto(url.href, {
        ...options,
        method,
        params: body,
        contentType: 'text/plain;charset=UTF-8',
      });
    }
    return this.#host.goto(url.href, { ...options, method, params: named });
  }

  #button(choice: ButtonChoice): SubmitButton {
    const { name, index, value } = typeof choice === 'string' ? { name: choice } : choice;
    if (index !== undefined && value !== undefined) {
      throw new TypeError('choose a button by index or by value, not both');
    }
    let buttons = this.buttons.filter((b) => name === undefined || b.name === name);
    if (value !== undefined) buttons = buttons.filter((b) => b.valueIfSubmitted === value);
    const button = buttons[index ?? 0];
    if (!button) {
      const known = this.buttons.map(
        (b) => `${b.name || '(unnamed)'}=${JSON.stringify(b.valueIfSubmitted)}`,
      );
      throw new Error(
        `form has no submit button ${JSON.stringify(choice)}; buttons: ${known.join(', ') || '(none)'}`,
      );
    }
    return button;
  }

  /** `<Form POST /login id=login: user, password, go>`. */
  toString(): string {
    const id = this.id === undefined ? '' : ` id=${this.id}`;
    return `<Form ${this.method} ${this.action || '(this page)'}${id}: ${[...this.fields.keys()].join(', ')}>`;
  }
}

type Element = HtmlElement;

/** Reads every form of a parsed page, in document order. */
export function parseForms($: CheerioAPI, host: FormHost): Form[] {
  const formElements = select($, 'form');
  const slots = new Map<Element, Slot[]>(formElements.map((f) => [f, []]));
  const radios = new Map<Element, Map<string, RadioGroup>>();
  for (const el of select($, 'input, select, textarea, button')) {
    const owner = ownerForm($, el, formElements);
    const list = owner && slots.get(owner);
    if (!owner || !list) continue;
    const name = el.attribs['name'] ?? '';
    const init: FieldInit = { name, attrs: { ...el.attribs }, disabled: isDisabled($, el) };
    const type = (el.attribs['type'] ?? '').toLowerCase();
    if (el.tagName === 'input' && type === 'radio') {
      if (name === '') continue;
      const groups = radios.get(owner) ?? new Map<string, RadioGroup>();
      radios.set(owner, groups);
      const group = groups.get(name) ?? { init, options: [], checked: undefined };
      groups.set(name, group);
      // As in browsers, the last checked input of a group wins.
      if (el.attribs['checked'] !== undefined) group.checked = group.options.length;
      const value = el.attribs['value'] ?? 'on';
      group.options.push({ value, text: value });
      list.push({ group, option: group.options.length - 1 });
      continue;
    }
    const field = makeField($, el, init, type);
    if (field && (name !== '' || field instanceof SubmitButton)) list.push({ field, option: 0 });
  }
  // A radio group becomes one field once all its inputs are known.
  const made = new Map<RadioGroup, Radio>();
  const resolve = (slot: Slot): Position => {
    if ('field' in slot) return slot;
    let radio = made.get(slot.group);
    if (!radio) {
      radio = new Radio(slot.group.init, slot.group.options, slot.group.checked);
      made.set(slot.group, radio);
    }
    return { field: radio, option: slot.option };
  };
  return formElements.map(
    (f) => new Form({ ...f.attribs }, (slots.get(f) ?? []).map(resolve), host),
  );
}

interface RadioGroup {
  readonly init: FieldInit;
  readonly options: FieldOption[];
  checked: number | undefined;
}

type Slot = Position | { readonly group: RadioGroup; readonly option: number };

function makeField($: CheerioAPI, el: Element, init: FieldInit, type: string): Field | undefined {
  switch (el.tagName) {
    case 'textarea':
      // The parser already dropped the newline that follows <textarea> (HTML §13.2.6.4.7).
      return new TextField(init, 'textarea', $(el).text());
    case 'select': {
      const optionEls = $(el).find('option').toArray();
      const options = optionEls.map((o) => {
        const text = $(o).text().replace(/\s+/g, ' ').trim();
        return { value: o.attribs['value'] ?? text, text };
      });
      const selected = optionEls.flatMap((o, i) =>
        o.attribs['selected'] === undefined ? [] : [i],
      );
      if (el.attribs['multiple'] !== undefined) return new MultipleSelect(init, options, selected);
      // In a single select, the last option marked selected wins, as in browsers.
      return new Select(init, options, selected.at(-1));
    }
    case 'button':
      // A <button> without a valid type is a submit button; type=button and type=reset never submit.
      return type === 'button' || type === 'reset' ? undefined : new SubmitButton(init, 'button');
    default:
      switch (type) {
        case 'submit':
        case 'image':
          return new SubmitButton(init, type);
        case 'button':
        case 'reset':
          return undefined;
        case 'checkbox':
          return new Checkbox(init, el.attribs['checked'] !== undefined);
        case 'file':
          return new FileField(init);
        default:
          return new TextField(init, type || 'text', el.attribs['value'] ?? '');
      }
  }
}

// A `form` attribute ties a control to that form wherever it sits (HTML's form owner).
function ownerForm($: CheerioAPI, el: Element, forms: readonly Element[]): Element | undefined {
  const id = el.attribs['form'];
  if (id !== undefined) return forms.find((f) => f.attribs['id'] === id);
  const closest = $(el).closest('form').get(0);
  return forms.find((f) => f === closest);
}

// Disabled: the attribute, or inside a disabled fieldset but not in its first legend.
function isDisabled($: CheerioAPI, el: Element): boolean {
  if (el.attribs['disabled'] !== undefined) return true;
  return $(el)
    .parents('fieldset[disabled]')
    .toArray()
    .some((fieldset) => {
      const legend = $(fieldset).children('legend').get(0);
      return !legend || !$(el).parents().toArray().includes(legend);
    });
}
