// GET /api/proxied/items/:id: a plain route handler; src/proxy.ts limits it before it runs.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  return Response.json({ item: id });
}
