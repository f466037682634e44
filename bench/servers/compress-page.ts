/**
 * The page every compress-100k contender sends: 100 KiB (102,400 bytes) of HTML, the same bytes on
 * every run. Its text is drawn from an English vocabulary by a seeded generator and set in the
 * markup a real page has (head, navigation, sections, paragraphs with links, a table, a footer),
 * so gzip meets the redundancy of a real page — about 3–4× — rather than the 100× of a repeated
 * string or the 1× of random bytes.
 */

/** The page's size in bytes (ASCII only, so also its length in characters). */
export const PAGE_SIZE = 100 * 1024;

/** The page's media type, spelled the same by every contender. */
export const PAGE_CONTENT_TYPE = 'text/html; charset=utf-8';

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but ' +
  'have an they you were her she there been one all we their has would when if so no will more ' +
  'can out up about into them some could time only new other these two may first then do any ' +
  'like my now over such our man me even most made after also did many before must through back ' +
  'years where much your way well down should because each just those people how too little ' +
  'state good very make world still own see men work long get here between both life being under ' +
  'never day same another know while last might us great old year off come since against go came ' +
  'right used take three himself few house use during without again place around however home ' +
  'small found thought went say part once general high upon school every does got united left ' +
  'number course war until always away something fact though water less public put think almost ' +
  'hand enough far took head yet government system better set told nothing night end why called ' +
  'did find going look asked later knew point next program city business give group toward young ' +
  'days let room president side social given present several order national possible rather ' +
  'second face per among form important often things looked early white case john become large ' +
  'big need four within felt children along saw best church ever least power development light'
).split(' ');

/** A small seeded generator (mulberry32): the same sequence on every run and every Node. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makePage(): string {
  const random = generator(0x7e0e1);
  const pick = (): string => WORDS[Math.floor(random() * WORDS.length)] ?? 'the';
  const words = (n: number): string => Array.from({ length: n }, pick).join(' ');
  const sentence = (): string => {
    const text = words(6 + Math.floor(random() * 14));
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  };
  const paragraph = (): string => {
    const parts = Array.from({ length: 3 + Math.floor(random() * 4) }, sentence);
    const at = Math.floor(random() * parts.length);
    parts[at] = `<a href="/articles/${pick()}-${pick()}">${parts[at] ?? ''}</a>`;
    return `      <p>${parts.join(' ')}</p>\n`;
  };
  let html =
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8">\n' +
    '    <meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `    <title>${words(5)}</title>\n    <link rel="stylesheet" href="/static/site.css">\n` +
    '  </head>\n  <body>\n    <nav class="site-nav">\n      <ul>\n';
  for (let i = 0; i < 12; i++) {
    const word = pick();
    html += `        <li class="nav-item"><a href="/${word}">${word}</a></li>\n`;
  }
  html += '      </ul>\n    </nav>\n    <main>\n';
  const footer =
    '    </main>\n    <footer class="site-footer"><p>trowel</p></footer>\n  </body>\n</html>\n';
  let section = 0;
  while (html.length < PAGE_SIZE - footer.length) {
    html += `    <section id="s${section}" class="article-section">\n      <h2>${words(4)}</h2>\n`;
    for (let p = 0; p < 4; p++) html += paragraph();
    if (section % 3 === 2) {
      html += '      <table class="data">\n';
      for (let r = 0; r < 6; r++) {
        html += `        <tr><td>${pick()}</td><td>${Math.floor(random() * 10000)}</td><td>${words(3)}</td></tr>\n`;
      }
      html += '      </table>\n';
    }
    html += '    </section>\n';
    section++;
  }
  // Close the page on a whole line, with a last paragraph cut to the length that makes the page,
  // footer included, exactly PAGE_SIZE bytes.
  const end = '.</p>\n    </section>\n' + footer;
  const closed = '    </section>\n';
  const cut = html.lastIndexOf(closed, PAGE_SIZE - end.length - 400) + closed.length;
  html = `${html.slice(0, cut)}    <section class="article-section">\n      <p>`;
  const room = PAGE_SIZE - html.length - end.length;
  let text = '';
  while (text.length < room) text += `${sentence()} `;
  // A cut that lands on a space would end the paragraph with " .": fill it with a letter.
  return html + text.slice(0, room).replace(/ $/, 's') + end;
}

/** The page, built once per process. */
export const PAGE: string = makePage();
