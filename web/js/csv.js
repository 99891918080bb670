// CSV of recipients: a header row with an `email` column and any variable columns.
// RFC 4180 quoting; comma, semicolon or tab separated (whichever the header uses).

export function parseCsvRows(text) {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.split(/\r?\n/, 1)[0] || '';
  const sep = [',', ';', '\t'].reduce((best, c) =>
    (firstLine.split(c).length > firstLine.split(best).length ? c : best), ',');
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === sep) {
      row.push(cell); cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i += 1;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.some((v) => v.trim() !== ''));
}

const SIMPLE_EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

// Returns { recipients: [{email, vars, row}], variables, problems: [text], duplicates }.
// A list of bare addresses (no header) is accepted too: one address per line.
export function parseRecipients(text) {
  const rows = parseCsvRows(text);
  const problems = [];
  if (rows.length === 0) return { recipients: [], variables: [], problems, duplicates: 0 };
  let header = rows[0].map((v) => v.trim());
  let body = rows.slice(1);
  let firstRow = 2;
  let emailCol = header.findIndex((v) => v.toLowerCase() === 'email');
  if (emailCol < 0) {
    if (rows.every((r) => r.length === 1 && SIMPLE_EMAIL.test(r[0].trim()))) {
      header = ['email']; body = rows; emailCol = 0; firstRow = 1;
    } else {
      problems.push('The first row must be a header that names an "email" column, for example: email,first_name,company');
      return { recipients: [], variables: [], problems, duplicates: 0 };
    }
  }
  const variables = header.filter((name, i) => i !== emailCol && name !== '');
  const seen = new Set();
  const recipients = [];
  let duplicates = 0;
  body.forEach((cells, index) => {
    const rowNumber = index + firstRow;
    const email = (cells[emailCol] || '').trim();
    if (!email) { problems.push(`Row ${rowNumber} has no email address: fill it in or delete the row.`); return; }
    if (!SIMPLE_EMAIL.test(email)) { problems.push(`Row ${rowNumber}: "${email}" is not an email address: correct it or delete the row.`); return; }
    const key = email.toLowerCase();
    if (seen.has(key)) { duplicates += 1; return; }
    seen.add(key);
    const vars = {};
    header.forEach((name, i) => {
      if (i !== emailCol && name !== '') vars[name] = (cells[i] || '').trim();
    });
    recipients.push({ email, vars, row: rowNumber });
  });
  return { recipients, variables, problems, duplicates };
}

// Splits a typed address list ("a@x.com, Bob <b@y.com>; c@z.com") into addresses.
export function splitAddresses(text) {
  return text.split(/[,;\n]+/).map((s) => {
    const angle = s.match(/<([^>]+)>/);
    return (angle ? angle[1] : s).trim();
  }).filter(Boolean);
}

export function isEmail(text) {
  return SIMPLE_EMAIL.test(text);
}
