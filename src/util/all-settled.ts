// Promise.all that waits for every promise before it fails: for work whose failure is
// followed by a clean-up that must not race what is still running (renames, writes).

/** The values of all the promises; once every one has settled, the first failure instead. */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
