import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript5';

/** One import (or re-export) found in a source file. */
export interface ImportRef {
  /** The module specifier as written, e.g. `../core/clock.ts` or `zod`. */
  readonly specifier: string;
  /** 1-based line of the import statement. */
  readonly line: number;
  /**
   * `runtime`: evaluated when the importing module loads (a cycle of these is a real cycle);
   * `type`: erased (`import type`, `export type`, `import('x').T`); `dynamic`: `await import('x')`, loaded later.
   */
  readonly kind: 'runtime' | 'type' | 'dynamic';
}

/** An import resolved against the repository: `target` is set for relative imports of our own files. */
export interface ImportEdge extends ImportRef {
  /** Repository-relative, `/`-separated path of the importing file. */
  readonly from: string;
  /** Repository-relative path of the imported file, or undefined for packages and node builtins. */
  readonly target: string | undefined;
}

/** Every import, re-export, dynamic import and `import('x')` type of one TypeScript source text. */
export function parseImports(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Under verbatimModuleSyntax `import { type A } from 'x'` is still emitted as `import {} from 'x'` and loads x,
      // so only `import type` is erased.
      const kind = node.importClause?.isTypeOnly ? 'type' : 'runtime';
      found.push({ specifier: node.moduleSpecifier.text, line: lineOf(node), kind });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({
        specifier: node.moduleSpecifier.text,
        line: lineOf(node),
        kind: node.isTypeOnly ? 'type' : 'runtime',
      });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) {
        found.push({ specifier: expr.text, line: lineOf(node), kind: node.isTypeOnly ? 'type' : 'runtime' });
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, line: lineOf(node), kind: 'dynamic' });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push({ specifier: node.argument.literal.text, line: lineOf(node), kind: 'type' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Repository-relative, `/`-separated paths of every `.ts` file under `dir` (sorted). */
export function listTsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const full = join(abs, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(toRepoPath(root, full));
    }
  };
  walk(resolve(root, dir));
  return out;
}

function toRepoPath(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** Resolves a relative specifier to a repository file (`.ts` as written, `.js` written for `.ts`, or a folder index). */
export function resolveRelative(root: string, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(root, dirname(fromFile), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile()) return toRepoPath(root, c);
  }
  return undefined;
}

/** Every import of every `.ts` file under `dir`, resolved. Unresolvable relative imports keep `target` undefined. */
export function collectImports(root: string, dir: string): { files: string[]; edges: ImportEdge[] } {
  const files = listTsFiles(root, dir);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(resolve(root, file), 'utf8');
    for (const ref of parseImports(file, text)) {
      edges.push({ ...ref, from: file, target: resolveRelative(root, file, ref.specifier) });
    }
  }
  return { files, edges };
}

/**
 * Cycles among runtime edges (strongly connected components with more than one file, or a file importing itself).
 * Each cycle is reported once, as one concrete loop of files through the component.
 */
export function findCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const f of files) next.set(f, []);
  for (const e of edges) {
    if (e.kind !== 'runtime' || e.target === undefined) continue;
    const list = next.get(e.from);
    if (list && next.has(e.target) && !list.includes(e.target)) list.push(e.target);
  }
  // Tarjan's strongly connected components (iterative enough for a few hundred files).
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      const selfLoop = comp.length === 1 && (next.get(v) ?? []).includes(v);
      if (comp.length > 1 || selfLoop) components.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) strong(f);
  return components.map((comp) => loopThrough(comp, next));
}

/** A shortest loop from the component's first file back to itself, staying inside the component. */
function loopThrough(comp: readonly string[], next: Map<string, string[]>): string[] {
  const inside = new Set(comp);
  const start = comp[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        let cur = v;
        while (cur !== start) {
          cur = prev.get(cur)!;
          path.unshift(cur);
        }
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...comp];
}
