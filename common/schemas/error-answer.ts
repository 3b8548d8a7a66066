/** The Worker's error answer on its JSON surfaces (API and internal API), for clients. Pure. */
import { z } from 'zod';

/** `{error: {code, message, request_id}}`, see workers/middleware/errors.ts. */
export const errorAnswer = z.object({
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});
