import { describe, expect, it } from 'vitest';
import {
  Checkbox,
  FileField,
  MultipleSelect,
  Radio,
  Select,
  TestApp,
  TextField,
  Upload,
} from './index.ts';
import { fieldOf, formOf, page, received } from './forms.fixture.ts';

describe('text fields', () => {
  it.each([
    ['<input name="f" value="v">', 'text', 'v'],
    ['<input type="password" name="f" value="pw">', 'password', 'pw'],
    ['<input type="hidden" name="f" value="h">', 'hidden', 'h'],
    ['<input type="email" name="f">', 'email', ''],
    ['<input type="SEARCH" name="f" value="s">', 'search', 's'],
    [
      '<textarea name="f">\nfirst line dropped &amp; decoded</textarea>',
      'textarea',
      'first line dropped & decoded',
    ],
    ['<textarea name="f">\n\nkeeps the second</textarea>', 'textarea', '\nkeeps the second'],
  ])('reads %s as a %s field', async (markup, kind, value) => {
    const form = await formOf(`<form>${markup}</form>`);
    const field = form.field('f');
    expect(field).toBeInstanceOf(TextField);
    expect([field.kind, field.value]).toEqual([kind, value]);
  });

  it('takes a string or a number', async () => {
    const form = await formOf('<form><input name="f"></form>');
    form.set('f', 'x');
    expect(form.get('f')).toBe('x');
    form.set('f', 42);
    expect(form.get('f')).toBe('42');
  });

  it.each([[true], [null], [['a']], [new Upload('a')]])('refuses %j', async (value) => {
    const form = await formOf('<form><input name="f"></form>');
    expect(() => form.set('f', value)).toThrow(/text field "f": expected a string or number/);
  });

  it('keeps its id', async () => {
    expect((await formOf('<form><input name="f" id="i"></form>')).field('f').id).toBe('i');
  });
});

describe('selects', () => {
  const single =
    '<select name="s"><option value="a">Apple</option><option selected>  Banana\n split </option><option value="c">Cherry</option></select>';

  it('reads the options, using the text of one without a value', async () => {
    const field = fieldOf(await formOf(`<form>${single}</form>`), 's', Select);
    expect(field).toBeInstanceOf(Select);
    expect(field.options).toEqual([
      { value: 'a', text: 'Apple' },
      { value: 'Banana split', text: 'Banana split' },
      { value: 'c', text: 'Cherry' },
    ]);
    expect(field.value).toBe('Banana split');
  });

  it('defaults to the first option when none is selected', async () => {
    expect(
      (
        await formOf('<form><select name="s"><option value="1"><option value="2"></select></form>')
      ).get('s'),
    ).toBe('1');
  });

  it('defaults to the last selected option, as browsers do', async () => {
    const markup =
      '<form><select name="s"><option selected value="1"><option selected value="2"></select></form>';
    expect((await formOf(markup)).get('s')).toBe('2');
  });

  it('has no value without options, and sends nothing', async () => {
    const form = await formOf('<form><select name="s"></select></form>');
    expect(form.get('s')).toBeNull();
    expect(form.submitFields()).toEqual([]);
  });

  it('selects by value or by text', async () => {
    const form = await formOf(`<form>${single}</form>`);
    form.set('s', 'c');
    expect(form.get('s')).toBe('c');
    form.selectText('s', 'Apple');
    expect(form.get('s')).toBe('a');
  });

  it('refuses a value that is not an option', async () => {
    const form = await formOf(`<form>${single}</form>`);
    expect(() => form.set('s', 'z')).toThrow(/expected one of \["a","Banana split","c"\]/);
    expect(() => form.set('s', ['a'])).toThrow(/expected an option value/);
    expect(() => form.selectText('s', 'Durian')).toThrow(/no option has the text/);
  });

  it('takes any value when forced', async () => {
    const form = await formOf(`<form>${single}</form>`);
    fieldOf(form, 's', Select).forceValue('z');
    expect(form.submitFields()).toEqual([['s', 'z']]);
  });

  it('reads non-ASCII options', async () => {
    const form = await formOf(
      '<form><select name="s"><option>Çà</option><option value="ü">Ü</option></select></form>',
    );
    form.set('s', 'ü');
    expect(form.submitFields()).toEqual([['s', 'ü']]);
  });
});

describe('multiple selects', () => {
  const multiple =
    '<select name="m" multiple><option value="a" selected>A</option><option value="b">B</option><option selected>C</option></select>';

  it('reads the selected options as a list', async () => {
    const field = (await formOf(`<form>${multiple}</form>`)).field('m');
    expect(field).toBeInstanceOf(MultipleSelect);
    expect(field.value).toEqual(['a', 'C']);
  });

  it('has an empty value when nothing is selected', async () => {
    const form = await formOf('<form><select name="m" multiple><option>x</select></form>');
    expect(form.get('m')).toEqual([]);
    expect(form.submitFields()).toEqual([]);
  });

  it('takes a list of values, or one value, and sends each', async () => {
    const form = await formOf(`<form>${multiple}</form>`);
    form.set('m', ['b', 'a']);
    expect(form.submitFields()).toEqual([
      ['m', 'b'],
      ['m', 'a'],
    ]);
    form.set('m', 'C');
    expect(form.get('m')).toEqual(['C']);
    form.set('m', []);
    expect(form.get('m')).toEqual([]);
  });

  it('selects by texts', async () => {
    const form = await formOf(`<form>${multiple}</form>`);
    form.selectTexts('m', ['B', 'C']);
    expect(form.get('m')).toEqual(['b', 'C']);
    expect(() => form.selectTexts('m', ['Z'])).toThrow(/no option has the text/);
  });

  it('refuses values that are not options, unless forced', async () => {
    const form = await formOf(`<form>${multiple}</form>`);
    expect(() => form.set('m', ['a', 'x'])).toThrow(/\["x"\]/);
    expect(() => form.set('m', 1)).toThrow(/expected a list/);
    fieldOf(form, 'm', MultipleSelect).forceValue(['x', 'y']);
    expect(form.get('m')).toEqual(['x', 'y']);
  });

  it('refuses selectText on a multiple select and selectTexts on a single one', async () => {
    const form = await formOf(`<form>${multiple}<select name="s"><option>x</select></form>`);
    expect(() => form.selectText('m', 'A')).toThrow(/is not a select/);
    expect(() => form.selectTexts('s', ['x'])).toThrow(/is not a multiple select/);
  });
});

describe('radio buttons', () => {
  const radios =
    '<input type="radio" name="r" value="1"><input name="t" value="mid"><input type="radio" name="r" value="2" checked><input type="radio" name="r">';

  it('make one field per name, valued by the checked input', async () => {
    const form = await formOf(`<form>${radios}</form>`);
    const field = fieldOf(form, 'r', Radio);
    expect(field.options.map((o) => o.value)).toEqual(['1', '2', 'on']);
    expect(field.value).toBe('2');
  });

  it('have no value when none is checked', async () => {
    const form = await formOf('<form><input type="radio" name="r" value="1"></form>');
    expect(form.get('r')).toBeNull();
    expect(form.submitFields()).toEqual([]);
  });

  it('send their value at the position of the checked input', async () => {
    const form = await formOf(`<form>${radios}</form>`);
    expect(form.submitFields()).toEqual([
      ['t', 'mid'],
      ['r', '2'],
    ]);
    form.set('r', '1');
    expect(form.submitFields()).toEqual([
      ['r', '1'],
      ['t', 'mid'],
    ]);
  });

  it('can be unchecked', async () => {
    const form = await formOf(`<form>${radios}</form>`);
    form.set('r', null);
    expect(form.get('r')).toBeNull();
  });

  it('refuse a value no input has, unless forced', async () => {
    const form = await formOf(`<form>${radios}</form>`);
    expect(() => form.set('r', '3')).toThrow(/expected one of \["1","2","on"\]/);
    expect(() => form.set('r', 3)).toThrow(/expected an option value or null/);
    fieldOf(form, 'r', Radio).forceValue('3');
    expect(form.get('r')).toBe('3');
    expect(form.submitFields()).toEqual([
      ['r', '3'],
      ['t', 'mid'],
    ]);
  });

  it('keep a last checked input over an earlier one', async () => {
    const form = await formOf(
      '<form><input type="radio" name="r" value="a" checked><input type="radio" name="r" value="b" checked></form>',
    );
    expect(form.get('r')).toBe('b');
  });

  it('group by name within one form only', async () => {
    const res = await page(
      '<form><input type="radio" name="r" value="a"></form><form><input type="radio" name="r" value="b" checked></form>',
    );
    expect(res.forms.map((f) => f.get('r'))).toEqual([null, 'b']);
  });

  it('ignore an unnamed radio', async () => {
    expect((await formOf('<form><input type="radio" value="x" checked></form>')).fields.size).toBe(
      0,
    );
  });
});

describe('checkboxes', () => {
  it('are valued by their value attribute (or "on") when checked, null otherwise', async () => {
    const form = await formOf(
      '<form><input type="checkbox" name="a" checked><input type="checkbox" name="b" value="yes"></form>',
    );
    expect(form.field('a')).toBeInstanceOf(Checkbox);
    expect([form.get('a'), form.get('b')]).toEqual(['on', null]);
    expect(form.submitFields()).toEqual([['a', 'on']]);
  });

  it.each<[boolean | string | null, boolean]>([
    [true, true],
    ['yes', true],
    [false, false],
    [null, false],
    ['', false],
  ])('set to %j is checked: %s', async (value, checked) => {
    const form = await formOf('<form><input type="checkbox" name="b" value="yes"></form>');
    form.set('b', value);
    expect(fieldOf(form, 'b', Checkbox).checked).toBe(checked);
  });

  it('refuses another value', async () => {
    const form = await formOf('<form><input type="checkbox" name="b" value="yes"></form>');
    expect(() => form.set('b', 'no')).toThrow(/expected a boolean, null or "yes"/);
  });

  it('checks exactly the boxes given as a list', async () => {
    const form = await formOf(
      '<form><input type="checkbox" name="c" value="1" checked><input type="checkbox" name="c" value="2"><input type="checkbox" name="c" value="3"></form>',
    );
    form.set('c', ['2', '3']);
    expect(form.submitFields()).toEqual([
      ['c', '2'],
      ['c', '3'],
    ]);
    expect(() => form.set('c', ['4'])).toThrow(/have no value \["4"\]/);
  });

  it('sets one box of a group by index', async () => {
    const form = await formOf(
      '<form><input type="checkbox" name="c" value="1"><input type="checkbox" name="c" value="2"></form>',
    );
    form.set('c', true, 1);
    expect(form.get('c', 1)).toBe('2');
    expect(() => form.set('c', true)).toThrow(/2 fields named "c": pass an index/);
  });
});

describe('file fields', () => {
  it('hold an Upload, a file name to read, or nothing', async () => {
    const form = await formOf('<form><input type="file" name="f"></form>');
    expect(form.field('f')).toBeInstanceOf(FileField);
    expect(form.get('f')).toBeNull();
    form.set('f', 'report.txt');
    expect((form.get('f') as Upload).filename).toBe('report.txt');
    form.set('f', null);
    expect(form.get('f')).toBeNull();
    expect(() => form.set('f', 1)).toThrow(/expected an Upload/);
    expect(form.uploadFields.map((f) => f.name)).toEqual(['f']);
  });

  it('upload content, type and name in a multipart form', async () => {
    const form = await formOf(
      '<form method="post" enctype="multipart/form-data" action="/up"><input name="t" value="x"><input type="file" name="f"><input type="file" name="g"><input type="file" name="empty"></form>',
    );
    form.set('f', new Upload('a.txt', 'hello', 'text/plain'));
    form.set('g', 'report.txt');
    const res = received(await form.submit());
    expect(res.fields).toEqual([
      ['t', 'x'],
      ['f', 'a.txt|text/plain|hello'],
      ['g', 'report.txt|application/octet-stream|on disk'],
      ['empty', ''],
    ]);
  });

  it('upload binary content unchanged', async () => {
    const bytes = new Uint8Array([0, 255, 128, 10, 13]);
    const app = new TestApp(async (request) => {
      if (request.method === 'GET') {
        return new Response(
          '<form method="post" enctype="multipart/form-data"><input type="file" name="f"></form>',
          { headers: { 'content-type': 'text/html' } },
        );
      }
      const file = (await request.formData()).get('f') as File;
      return new Response(new Uint8Array(await file.arrayBuffer()), {
        headers: { 'content-type': 'application/octet-stream' },
      });
    });
    const res = await app.get('/');
    res.form.set('f', new Upload('b.bin', bytes));
    expect((await res.form.submit()).body).toEqual(bytes);
  });

  it('send the file name when the form is not multipart', async () => {
    const form = await formOf('<form method="post"><input type="file" name="f"></form>');
    form.set('f', new Upload('a.txt', 'hello'));
    expect(received(await form.submit()).fields).toEqual([['f', 'a.txt']]);
  });
});
