import { webhookPath } from './client-data';
import type { InstanceStatus } from './engine';

export class DurableApiError extends Error {
  override readonly name = 'DurableApiError';

  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`Durable HTTP API answered ${status}: ${detail}`);
  }
}

/** Test-side helper over the documented Durable Functions HTTP API (`/runtime/webhooks/durabletask/...`). */
export class DurableWebhookClient {
  constructor(
    private readonly baseUrl: string,
    private readonly systemKey: string,
  ) {}

  async startNew(
    orchestratorName: string,
    options: { input?: unknown; instanceId?: string } = {},
  ): Promise<string> {
    const idPath = options.instanceId === undefined ? '' : `/${encodeURIComponent(options.instanceId)}`;
    const res = await this.call(
      'POST',
      `orchestrators/${encodeURIComponent(orchestratorName)}${idPath}`,
      options.input,
    );
    if (res.status !== 202) throw await this.failure(res);
    return ((await res.json()) as { id: string }).id;
  }

  async getStatus(
    instanceId: string,
    options: { showHistory?: boolean } = {},
  ): Promise<InstanceStatus | undefined> {
    const res = await this.call(
      'GET',
      `instances/${encodeURIComponent(instanceId)}${options.showHistory ? '?showHistory=true' : ''}`,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200 && res.status !== 202) throw await this.failure(res);
    return (await res.json()) as InstanceStatus;
  }

  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    const res = await this.call(
      'POST',
      `instances/${encodeURIComponent(instanceId)}/raiseEvent/${encodeURIComponent(eventName)}`,
      data ?? null,
    );
    if (res.status !== 202) throw await this.failure(res);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const res = await this.call(
      'POST',
      `instances/${encodeURIComponent(instanceId)}/terminate?reason=${encodeURIComponent(reason)}`,
    );
    if (res.status !== 202) throw await this.failure(res);
  }

  /** Returns how many instances were deleted (0 when the id is unknown). */
  async purge(instanceId: string): Promise<number> {
    const res = await this.call('DELETE', `instances/${encodeURIComponent(instanceId)}`);
    if (res.status === 404) return 0;
    if (res.status !== 200) throw await this.failure(res);
    return ((await res.json()) as { instancesDeleted: number }).instancesDeleted;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const url = new URL(`${this.baseUrl}${webhookPath}/${path}`);
    url.searchParams.set('code', this.systemKey);
    return fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async failure(res: Response): Promise<DurableApiError> {
    return new DurableApiError(res.status, await res.text());
  }
}
