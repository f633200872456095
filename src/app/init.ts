/** Use-case: create a repository at a location. */
import { type Id, LifeboatError } from '../core/index.js';
import { initRepository } from '../repository/index.js';
import { type RepositoryContext, getPassword, openLocation, openRepository } from './wiring/index.js';

export interface InitRequest {
  version?: 1 | 2;
  /** Use another repository's chunker polynomial, so that copies between them deduplicate. */
  copyChunkerParamsFrom?: RepositoryContext;
  /** Asks twice on a terminal so a typo does not lock the user out. */
  confirm?: (password: string) => Promise<boolean>;
}

export interface InitResult {
  location: string;
  id: Id;
  version: number;
}

export async function initRepositoryAt(ctx: RepositoryContext, req: InitRequest): Promise<InitResult> {
  const backend = await openLocation(ctx);
  try {
    const password = await getPassword(ctx, 'enter password for new repository: ');
    if (req.confirm && !(await req.confirm(password))) {
      throw new LifeboatError('E_NO_PASSWORD', 'passwords do not match');
    }
    let chunkerPolynomial: string | undefined;
    if (req.copyChunkerParamsFrom) {
      const source = await openRepository(req.copyChunkerParamsFrom);
      chunkerPolynomial = source.config.chunkerPolynomial;
      await source.close();
    }
    const repo = await initRepository(backend, { password, version: req.version, chunkerPolynomial, signal: ctx.signal });
    return { location: backend.location, id: repo.config.id, version: repo.config.version };
  } finally {
    await backend.close();
  }
}
