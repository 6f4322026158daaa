// competitions.CompetitionApiService: a competition's data files (ApiListDataFiles) and their
// download (ApiDownloadDataFile, ApiDownloadDataFiles), with the bodies of kagglesdk.

import { KaggleApiError } from './errors.js';
import type { KaggleHttp } from './http.js';
import { WireReader, wireBody } from './wire.js';

const service = 'competitions.CompetitionApiService';
const MAX_PAGES = 10_000;

export class CompetitionsApi {
  constructor(readonly http: KaggleHttp) {}

  /**
   * Every data file of the competition; undefined when the user cannot read it (unknown, or
   * its rules not accepted: Kaggle answers 404 or 403).
   */
  async listDataFiles(
    competition: string,
    options: { pageSize?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<{ name: string; totalBytes: number }[] | undefined> {
    const files: { name: string; totalBytes: number }[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const body = wireBody({
        competitionName: competition,
        pageSize: options.pageSize ?? 20,
        pageToken,
      });
      let json;
      try {
        json = await this.http.rpc(service, 'ApiListDataFiles', body, {
          idempotent: true,
          signal: options.signal,
        });
      } catch (error) {
        if (error instanceof KaggleApiError && [403, 404].includes(error.effectiveStatus)) {
          return undefined;
        }
        throw error;
      }
      const r = new WireReader(json, 'ApiListDataFiles');
      for (const f of r.objects('files')) {
        files.push({ name: f.str('name'), totalBytes: f.optInt('totalBytes') ?? 0 });
      }
      const next = r.optStr('nextPageToken');
      if (!next) return files;
      if (seen.has(next) || page >= MAX_PAGES) {
        throw KaggleApiError.invalidResponse(
          'ApiListDataFiles',
          `page token ${JSON.stringify(next)} repeats`,
        );
      }
      seen.add(next);
      pageToken = next;
    }
  }

  /** Whether the user can read the competition's data (one short page is enough to know). */
  async readable(competition: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.http.rpc(
        service,
        'ApiListDataFiles',
        wireBody({ competitionName: competition, pageSize: 1 }),
        { idempotent: true, signal },
      );
      return true;
    } catch (error) {
      if (error instanceof KaggleApiError && [403, 404].includes(error.effectiveStatus)) {
        return false;
      }
      throw error;
    }
  }

  /** The signed URL of one data file, or of all of them as one zip (no `fileName`). */
  downloadUrl(competition: string, fileName?: string, signal?: AbortSignal): Promise<string> {
    return fileName === undefined
      ? this.http.rpcRedirect(
          service,
          'ApiDownloadDataFiles',
          wireBody({ competitionName: competition }),
          { idempotent: true, signal },
        )
      : this.http.rpcRedirect(
          service,
          'ApiDownloadDataFile',
          wireBody({ competitionName: competition, fileName }),
          { idempotent: true, signal },
        );
  }
}
