import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript5';

/**
 * Size report of src/ (`npm run size`): lines per file and per function, counted with the TypeScript parser.
 * Flags files over 400 lines, `createX` factories over 250 and any other function over 80 (issue 13's limits).
 *   npm run size                 table per module, then the violations
 *   npm run size -- --check      same, exit 1 when there is a violation
 *   npm run size -- --json       machine-readable
 *   npm run size -- <dir>        another folder (default src)
 */

/** The limits the report checks. */
export interface Limits {
  readonly fileLines: number;
  readonly factoryLines: number;
  readonly functionLines: number;
}

/** Issue 13's acceptance limits. */
export const LIMITS: Limits = { fileLines: 400, factoryLines: 250, functionLines: 80 };

/** One function-like node: a declaration, arrow function, function expression, method, constructor or accessor. */
export interface FunctionSize {
  readonly name: string;
  readonly kind: 'function' | 'arrow' | 'expression' | 'method' | 'constructor' | 'accessor';
  /** 1-based first line (of the function itself, not its leading comment). */
  readonly line: number;
  readonly endLine: number;
  /** endLine - line + 1; nested functions are included in their parent's lines and also counted on their own. */
  readonly lines: number;
  /** A `createX` factory (name starts with `create` and a capital letter). */
  readonly factory: boolean;
}

/** The size of one file. */
export interface FileSize {
  /** Path as given (the report uses `src/…`). */
  readonly file: string;
  /** First folder under the measured directory, or `(root)` for files directly in it. */
  readonly module: string;
  readonly lines: number;
  readonly functions: readonly FunctionSize[];
}

/** One limit exceeded. */
export interface Violation {
  readonly file: string;
  readonly module: string;
  readonly rule: 'file' | 'factory' | 'function';
  /** The function's name (absent for a file). */
  readonly name?: string;
  readonly line: number;
  readonly lines: number;
  readonly limit: number;
}

/** One row of the per-module table. */
export interface ModuleRow {
  readonly module: string;
  readonly files: number;
  readonly lines: number;
  readonly largestFile: string;
  readonly largestFileLines: number;
  readonly functions: number;
  readonly violations: number;
}

const FACTORY = /^create[A-Z0-9_$]/;

/** Number of lines of a text, as `wc -l` counts them plus an unterminated last line. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  const parts = text.split('\n').length;
  return text.endsWith('\n') ? parts - 1 : parts;
}

/** Measures one source text; `module` is the folder it belongs to. */
export function measureSource(file: string, text: string, module: string): FileSize {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const functions: FunctionSize[] = [];
  const lineAt = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    const kind = functionKind(node);
    if (kind) {
      const line = lineAt(node.getStart(sf));
      const endLine = lineAt(node.getEnd());
      const name = functionName(node, sf);
      const bare = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
      functions.push({ name, kind, line, endLine, lines: endLine - line + 1, factory: FACTORY.test(bare) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { file, module, lines: countLines(text), functions };
}

function functionKind(node: ts.Node): FunctionSize['kind'] | undefined {
  // Overload signatures and abstract methods have no body: they are not functions to measure.
  if (ts.isFunctionDeclaration(node)) return node.body ? 'function' : undefined;
  if (ts.isArrowFunction(node)) return 'arrow';
  if (ts.isFunctionExpression(node)) return 'expression';
  if (ts.isMethodDeclaration(node)) return node.body ? 'method' : undefined;
  if (ts.isConstructorDeclaration(node)) return node.body ? 'constructor' : undefined;
  if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) return node.body ? 'accessor' : undefined;
  return undefined;
}

function propertyName(name: ts.PropertyName | ts.BindingName, sf: ts.SourceFile): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(sf);
}

/** A readable name: its own, the variable or property it is assigned to, `Class.method`, or `(anonymous)`. */
function functionName(node: ts.Node, sf: ts.SourceFile): string {
  const owner = ts.isClassLike(node.parent) ? `${node.parent.name?.text ?? '(class)'}.` : '';
  if (ts.isConstructorDeclaration(node)) return `${owner}constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    return owner + propertyName(node.name, sf);
  }
  if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.name) return node.name.text;
  if (ts.isFunctionDeclaration(node)) return 'default';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    const prefix =
      ts.isPropertyDeclaration(parent) && ts.isClassLike(parent.parent) ? `${parent.parent.name?.text}.` : '';
    return prefix + propertyName(parent.name, sf);
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    return parent.left.getText(sf);
  }
  if (ts.isCallExpression(parent) && parent.arguments.some((a) => a === node)) {
    const callee = parent.expression.getText(sf).replace(/\s+/g, '');
    return `(callback to ${callee.length > 40 ? `${callee.slice(0, 39)}…` : callee})`;
  }
  return '(anonymous)';
}

/** Every limit exceeded, largest first within each rule. */
export function findViolations(files: readonly FileSize[], limits: Limits = LIMITS): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    if (f.lines > limits.fileLines) {
      out.push({ file: f.file, module: f.module, rule: 'file', line: 1, lines: f.lines, limit: limits.fileLines });
    }
    for (const fn of f.functions) {
      const limit = fn.factory ? limits.factoryLines : limits.functionLines;
      if (fn.lines > limit) {
        const rule = fn.factory ? 'factory' : 'function';
        out.push({ file: f.file, module: f.module, rule, name: fn.name, line: fn.line, lines: fn.lines, limit });
      }
    }
  }
  const order = { file: 0, factory: 1, function: 2 };
  return out.sort((a, b) => order[a.rule] - order[b.rule] || b.lines - a.lines || a.file.localeCompare(b.file));
}

/** One row per module, sorted by name, `(root)` first. */
export function moduleTable(files: readonly FileSize[], violations: readonly Violation[]): ModuleRow[] {
  const byModule = new Map<string, FileSize[]>();
  for (const f of files) byModule.set(f.module, [...(byModule.get(f.module) ?? []), f]);
  return [...byModule.entries()]
    .sort(([a], [b]) => (a === '(root)' ? -1 : b === '(root)' ? 1 : a.localeCompare(b)))
    .map(([module, list]) => {
      const largest = list.reduce((a, b) => (b.lines > a.lines ? b : a));
      return {
        module,
        files: list.length,
        lines: list.reduce((n, f) => n + f.lines, 0),
        largestFile: largest.file,
        largestFileLines: largest.lines,
        functions: list.reduce((n, f) => n + f.functions.length, 0),
        violations: violations.filter((v) => v.module === module).length,
      };
    });
}

/** The text report: the module table, then the violations. */
export function formatReport(files: readonly FileSize[], violations: readonly Violation[], limits = LIMITS): string {
  const rows = moduleTable(files, violations);
  const header = ['module', 'files', 'lines', 'functions', 'largest file', 'violations'];
  const cells = rows.map((r) => [
    r.module,
    String(r.files),
    String(r.lines),
    String(r.functions),
    `${r.largestFile} (${r.largestFileLines})`,
    String(r.violations),
  ]);
  const total = [
    'total',
    ...[rows.reduce((n, r) => n + r.files, 0), rows.reduce((n, r) => n + r.lines, 0)].map(String),
  ];
  total.push(String(rows.reduce((n, r) => n + r.functions, 0)), '', String(violations.length));
  const table = [header, ...cells, total];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const numeric = new Set([1, 2, 3, 5]);
  const line = (row: string[]) =>
    row
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), line(total), ''];
  const limitText = `files > ${limits.fileLines}, createX > ${limits.factoryLines}, other functions > ${limits.functionLines} lines`;
  if (violations.length === 0) {
    out.push(`No violations (${limitText}).`);
  } else {
    out.push(`${violations.length} violations (${limitText}):`);
    for (const v of violations) {
      const what = v.rule === 'file' ? 'file' : `${v.rule} ${v.name}`;
      out.push(`  ${v.file}:${v.line}  ${what}: ${v.lines} lines (limit ${v.limit})`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Measures every `.ts` file under `dir` (relative to `root`); paths in the result are relative to `root` when inside it. */
export function measureTree(root: string, dir: string): FileSize[] {
  const base = resolve(root, dir);
  const out: FileSize[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const full = join(abs, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        const inDir = relative(base, full).split(sep);
        const module = inDir.length > 1 ? inDir[0]! : '(root)';
        const shown = relative(root, full).split(sep).join('/');
        out.push(measureSource(shown.startsWith('..') ? full : shown, readFileSync(full, 'utf8'), module));
      }
    }
  };
  walk(base);
  return out;
}

function main(argv: readonly string[]): number {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const unknown = [...flags].filter((f) => f !== '--check' && f !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown option ${unknown.join(', ')}. Use --check, --json and an optional folder.\n`);
    return 2;
  }
  const dir = argv.find((a) => !a.startsWith('--')) ?? 'src';
  const root = resolve(new URL('..', import.meta.url).pathname);
  const files = measureTree(root, dir);
  const violations = findViolations(files);
  if (flags.has('--json')) {
    const modules = moduleTable(files, violations);
    process.stdout.write(`${JSON.stringify({ limits: LIMITS, modules, violations, files }, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(files, violations));
  }
  return flags.has('--check') && violations.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
