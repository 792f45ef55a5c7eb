/** One Server-Sent Event as a browser EventSource would see it. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads a text/event-stream response body the way a client does (WHATWG parsing rules:
 * events end at a blank line, `data:` lines join with "\n", comments ignored), chunk by chunk.
 */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  let current: { event?: string; data: string[]; id?: string } = { data: [] };
  const line = (text: string) => {
    if (text === "") {
      if (current.data.length) events.push({ event: current.event ?? "message", data: current.data.join("\n"), id: current.id });
      current = { data: [] };
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") current.event = value;
    else if (field === "data") current.data.push(value);
    else if (field === "id") current.id = value;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const parts = buffer.split(/\r\n|\r|\n/);
    buffer = parts.pop()!;
    for (const part of parts) line(part);
  }
  if (buffer) line(buffer);
  return events;
}
