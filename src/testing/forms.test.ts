import { describe, expect, it } from 'vitest';
import { SubmitButton } from './index.ts';
import { fieldOf, formOf, page, received } from './forms.fixture.ts';

describe('form attributes', () => {
  it('defaults action to the page, method to GET and enctype to urlencoded', async () => {
    const form = await formOf('<form></form>');
    expect([form.action, form.method, form.enctype, form.id]).toEqual([
      '',
      'GET',
      'application/x-www-form-urlencoded',
      undefined,
    ]);
  });

  it('reads action, method, enctype and id', async () => {
    const form = await formOf(
      '<form id="f" action="/go" method="post" enctype="multipart/form-data"></form>',
    );
    expect([form.action, form.method, form.enctype, form.id]).toEqual([
      '/go',
      'POST',
      'multipart/form-data',
      'f',
    ]);
  });

  it('describes itself', async () => {
    const form = await formOf('<form id="f" method="post" action="/x"><input name="a"></form>');
    expect(String(form)).toBe('<Form POST /x id=f: a>');
  });

  it('reads a form in a page with non-ASCII text', async () => {
    const form = await formOf('<form><input name="nom" value="Zoë ✓"></form><p>ünïcødé</p>');
    expect(form.get('nom')).toBe('Zoë ✓');
  });

  it('treats a form inside a form as part of the outer one, as browsers do', async () => {
    const res = await page(
      '<form id="outer"><input name="a"><form id="inner"><input name="b"></form></form>',
    );
    expect(res.forms.map((f) => [...f.fields.keys()])).toEqual([['a', 'b']]);
  });

  it('takes a control outside the form that names it in its form attribute', async () => {
    const res = await page(
      '<form id="f"><input name="in"></form><input name="out" form="f"><input name="stray">',
    );
    expect([...res.form.fields.keys()]).toEqual(['in', 'out']);
  });
});

describe('submit buttons', () => {
  const buttons =
    '<input name="q" value="x"><input type="submit" name="go" value="Search"><button name="go" value="lucky">Lucky</button><button>Plain</button><button type="button" name="js">JS</button><button type="reset" name="r">Reset</button><input type="button" name="ib" value="b"><input type="image" name="map" src="m.png"><input type="submit" value="unnamed">';

  it('are submit fields: input submit and image, and button without a type', async () => {
    const form = await formOf(`<form>${buttons}</form>`);
    expect(form.buttons.map((b) => [b.kind, b.name])).toEqual([
      ['submit', 'go'],
      ['button', 'go'],
      ['button', ''],
      ['image', 'map'],
      ['submit', ''],
    ]);
    expect([...form.fields.keys()]).toEqual(['q', 'go', 'map']);
  });

  it('report no value and cannot be set', async () => {
    const form = await formOf(`<form>${buttons}</form>`);
    const button = fieldOf(form, 'go', SubmitButton, 0);
    expect(button.value).toBeNull();
    expect(() => form.set('map', 'x')).toThrow(/a button cannot be set/);
  });

  it('are worth "" when pressed without a value attribute', async () => {
    const form = await formOf('<form><button name="b">B</button></form>');
    expect(fieldOf(form, 'b', SubmitButton).valueIfSubmitted).toBe('');
    expect(form.submitFields('b')).toEqual([['b', '']]);
  });

  it('send nothing of themselves when none is named', async () => {
    expect((await formOf(`<form>${buttons}</form>`)).submitFields()).toEqual([['q', 'x']]);
  });

  it.each([
    [
      'go',
      [
        ['q', 'x'],
        ['go', 'Search'],
      ],
    ],
    [
      { name: 'go', index: 1 },
      [
        ['q', 'x'],
        ['go', 'lucky'],
      ],
    ],
    [
      { name: 'go', value: 'lucky' },
      [
        ['q', 'x'],
        ['go', 'lucky'],
      ],
    ],
    [{ index: 4 }, [['q', 'x']]],
    [
      'map',
      [
        ['q', 'x'],
        ['map.x', '0'],
        ['map.y', '0'],
      ],
    ],
  ])('pressing %j sends %j', async (choice, fields) => {
    expect((await formOf(`<form>${buttons}</form>`)).submitFields(choice)).toEqual(fields);
  });

  it('send x and y for an unnamed image button', async () => {
    const form = await formOf('<form><input type="image" src="go.png"></form>');
    expect(form.submitFields({ index: 0 })).toEqual([
      ['x', '0'],
      ['y', '0'],
    ]);
  });

  it('refuse a choice by both index and value', async () => {
    const form = await formOf(`<form>${buttons}</form>`);
    expect(() => form.submitFields({ name: 'go', index: 0, value: 'lucky' })).toThrow(
      /by index or by value, not both/,
    );
  });

  it('refuse an unknown button, listing the buttons', async () => {
    const form = await formOf(`<form>${buttons}</form>`);
    await expect(form.submit('nope')).rejects.toThrow(
      /no submit button "nope"; buttons: go="Search"/,
    );
  });
});

describe('field lookup', () => {
  it('names the fields when one is missing', async () => {
    const form = await formOf('<form><input name="a"><input name="b"></form>');
    expect(() => form.get('c')).toThrow(/no field "c"; fields: a, b/);
    expect(() => form.get('a', 1)).toThrow(/no field "a" at index 1/);
    expect(() => form.set('c', 'x')).toThrow(/no field "c"/);
  });

  it('says when a form has no fields', async () => {
    const form = await formOf('<form></form>');
    expect(() => form.field('a')).toThrow(/fields: \(none\)/);
  });

  it('lists fields in document order across kinds', async () => {
    const form = await formOf(
      '<form><input name="a"><select name="b"><option>1</select><textarea name="c"></textarea><input type="checkbox" name="d" checked><input type="hidden" name="e" value="5"><input name="a" value="again"></form>',
    );
    expect(form.fieldOrder.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'a']);
    expect(form.submitFields()).toEqual([
      ['a', ''],
      ['b', '1'],
      ['c', ''],
      ['d', 'on'],
      ['e', '5'],
      ['a', 'again'],
    ]);
  });

  it('leaves disabled controls out of the submission', async () => {
    const form = await formOf(
      '<form><input name="a" disabled value="1"><fieldset disabled><legend><input name="in-legend" value="2"></legend><input name="in-set" value="3"></fieldset><fieldset disabled><input name="no-legend" value="4"></fieldset><input name="b" value="5"></form>',
    );
    expect(form.field('a').disabled).toBe(true);
    expect(form.submitFields()).toEqual([
      ['in-legend', '2'],
      ['b', '5'],
    ]);
  });
});

describe('form.submit', () => {
  it('GETs the action with the fields as its query, replacing the query it had', async () => {
    const form = await formOf('<form action="/search?old=1"><input name="q" value="a b"></form>');
    const res = received(await form.submit());
    expect(res).toMatchObject({
      method: 'GET',
      path: '/search?q=a+b',
      referer: 'http://localhost/page',
    });
  });

  it('submits to the page itself when the action is empty', async () => {
    const form = await formOf('<form method="post"><input name="q" value="1"></form>');
    expect(received(await form.submit())).toMatchObject({ method: 'POST', path: '/page' });
  });

  it('POSTs urlencoded fields with the pressed button', async () => {
    const form = await formOf(
      '<form method="post" action="login"><input name="user"><input type="password" name="pw"><input type="submit" name="go" value="Log in"></form>',
    );
    form.set('user', 'ada').set('pw', 's3cret&=');
    const res = received(await form.submit('go'));
    expect(res).toMatchObject({
      method: 'POST',
      path: '/login',
      contentType: 'application/x-www-form-urlencoded',
      body: 'user=ada&pw=s3cret%26%3D&go=Log+in',
    });
  });

  it('sends multipart/form-data even without files when the enctype says so', async () => {
    const form = await formOf(
      '<form method="post" enctype="multipart/form-data"><input name="a" value="1"></form>',
    );
    const res = received(await form.submit());
    expect(res.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(res.fields).toEqual([['a', '1']]);
  });

  it('sends text/plain lines for a text/plain form', async () => {
    const form = await formOf(
      '<form method="post" enctype="text/plain"><input name="a" value="1"><input name="b" value="two"></form>',
    );
    const res = received(await form.submit());
    expect([res.contentType, res.body]).toEqual(['text/plain;charset=UTF-8', 'a=1\r\nb=two\r\n']);
  });

  it('honours formaction, formmethod and formenctype on the pressed button', async () => {
    const form = await formOf(
      '<form action="/a"><input name="x" value="1"><button name="b" value="v" formaction="/other" formmethod="post" formenctype="multipart/form-data">Go</button></form>',
    );
    const res = received(await form.submit('b'));
    expect(res).toMatchObject({ method: 'POST', path: '/other' });
    expect(res.fields).toEqual([
      ['x', '1'],
      ['b', 'v'],
    ]);
  });

  it('sends any other method with a body', async () => {
    const form = await formOf(
      '<form method="put" action="/item"><input name="a" value="1"></form>',
    );
    expect(received(await form.submit())).toMatchObject({ method: 'PUT', body: 'a=1' });
  });

  it('resolves the action against the document base', async () => {
    const res = await page('<base href="/app/"><form action="save" method="post"></form>');
    expect(received(await res.form.submit()).path).toBe('/app/save');
  });

  it('passes request options on', async () => {
    const form = await formOf('<form method="post" action="/x"></form>');
    await expect(form.submit(undefined, { status: 404 })).rejects.toThrow(/expected 404/);
  });
});
