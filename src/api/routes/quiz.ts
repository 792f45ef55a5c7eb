import { z } from "zod";
import { buildQuiz, QUIZ_OPTIONS } from "../../quiz/quiz.ts";
import { HttpProblem } from "../problem.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { jsonResponse, problemResponses } from "../schemas.ts";

const quizQuerySchema = z.object({
  term: z.string().min(1).max(200).optional().meta({ description: "Glossary slug of the term to ask about (default: a random one)", example: "offshoring" }),
});

const termRef = z.object({ slug: z.string(), term: z.string() });
const quizResponseSchema = z
  .object({
    answer: termRef.meta({ description: "The term the prompt defines" }),
    prompt: z.string().meta({ description: "Its definition with the term, aliases, acronyms and words derived from the term masked as ░░░" }),
    options: z.array(termRef).length(QUIZ_OPTIONS).meta({ description: "Terms to choose from, the answer among them; none is named in the prompt" }),
  })
  .meta({ id: "QuizQuestion" });

/** GET /v1/quiz: one vocabulary question by the quiz rule Discord's /quiz uses too. */
export function quizRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/quiz",
      summary: "A vocabulary question: a glossary definition with its term masked, and four terms to choose from",
      tags: ["glossary"],
      secured: true,
      query: quizQuerySchema,
      responses: {
        200: jsonResponse("The question", quizResponseSchema),
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: async ({ query }, _req, res) => {
        const entries = res.locals.assistant!.glossary.list();
        if (query.term !== undefined && !entries.some((e) => e.slug === query.term)) throw new HttpProblem(404, `no glossary term with slug ${JSON.stringify(query.term)}; GET /v1/glossary lists them`);
        const question = buildQuiz(entries, query.term === undefined ? {} : { answer: query.term });
        if (!question) throw new HttpProblem(404, `the glossary has too few terms unnamed in this definition for a ${QUIZ_OPTIONS}-way question`);
        const ref = (e: { slug: string; term: string }) => ({ slug: e.slug, term: e.term });
        res.setHeader("Cache-Control", "no-store");
        res.json({ answer: ref(question.answer), prompt: question.prompt, options: question.options.map(ref) });
      },
    }),
  ];
}
