/**
 * A page of a list as requests name it (`?page=&per_page=`, 1-based) and the window of rows it
 * is in the database's terms (`LIMIT`/`OFFSET`), so no route does that arithmetic itself.
 */

export interface Page {
  page: number;
  perPage: number;
}

/** The rows of `page`: `limit` rows from `offset`. */
export function rowWindow(page: Page): { limit: number; offset: number } {
  return { limit: page.perPage, offset: (page.page - 1) * page.perPage };
}
