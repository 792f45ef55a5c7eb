/**
 * 👍/👎 under an answer. A rating is stored as soon as the button is pressed; a 👎 then opens
 * a modal asking why (optional), and what the user writes is added to that rating, as the web
 * page's reason box does: one of the one-click reasons (wrong, missing, unclear, off-topic)
 * when the text starts with it, and the text itself.
 */
import {
  ActionRowBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import { StoreUnavailableError, UnknownAnswerError, UnknownFeedbackError } from "../../src/errors.ts";
import { feedbackReasonSchema, type FeedbackAmendment } from "../../src/schema/feedback.ts";
import { replyEphemeral } from "./respond.ts";
import type { BotContext } from "./types.ts";

/** customId prefix of the reason modal: `fbr:<feedback id>`. */
export const REASON_MODAL = "fbr";
const REASON_FIELD = "reason";

/** "Wrong: the date is 2014" -> reason "wrong" and the words; anything else is the user's words alone. */
export function reasonFrom(text: string): FeedbackAmendment | undefined {
  const words = text.trim().slice(0, 2000);
  if (!words) return undefined;
  const lead = /^(wrong|missing|unclear|off[\s-]?topic)\b[\s.:;,!-]*/i.exec(words);
  const reason = lead ? feedbackReasonSchema.parse(lead[1]!.toLowerCase().replace(/off[\s-]?topic/, "off-topic")) : undefined;
  const rest = lead ? words.slice(lead[0].length).trim() : words;
  return { ...(reason ? { reason } : {}), ...(rest ? { comment: words } : {}) };
}

function reasonModal(feedbackId: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(`${REASON_MODAL}:${feedbackId}`)
    .setTitle("What was wrong with the answer?")
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId(REASON_FIELD)
          .setLabel("Why? (optional)")
          .setStyle(TextInputStyle.Paragraph)
          .setRequired(false)
          .setMaxLength(1000)
          .setPlaceholder("wrong, missing, unclear or off-topic, or in your own words"),
      ),
    );
}

/** `fb:<up|down>:<answer id>`: stores the rating; a 👎 opens the reason modal. */
export async function handleFeedbackButton(interaction: ButtonInteraction, args: string[], ctx: BotContext): Promise<void> {
  const [rating, ...id] = args;
  const answerId = id.join(":");
  if ((rating !== "up" && rating !== "down") || !answerId) throw new Error(`malformed feedback button ${interaction.customId}`);
  let record;
  try {
    record = await ctx.assistant.feedback.record({ answerId, rating }, { channel: "discord", user: interaction.user.id });
  } catch (error) {
    if (error instanceof UnknownAnswerError) return replyEphemeral(interaction, "I no longer know that answer, so I could not record your rating. Ask again and rate the new answer.");
    if (error instanceof StoreUnavailableError) {
      ctx.logger.warn({ err: error }, "feedback not stored: store unavailable");
      return replyEphemeral(interaction, "I could not record your rating just now (storage is unavailable). Please try the button again in a minute.");
    }
    throw error;
  }
  if (rating === "up") return replyEphemeral(interaction, "Thanks! Glad it helped. 👍");
  await interaction.showModal(reasonModal(record.id));
}

/** The reason modal's submission: adds what the user wrote to their 👎. */
export async function handleReasonModal(interaction: ModalSubmitInteraction, feedbackId: string, ctx: BotContext): Promise<void> {
  const amendment = reasonFrom(interaction.fields.getTextInputValue(REASON_FIELD) ?? "");
  if (amendment) {
    try {
      await ctx.assistant.feedback.amend(feedbackId, amendment, { channel: "discord", user: interaction.user.id });
    } catch (error) {
      if (error instanceof UnknownFeedbackError) return replyEphemeral(interaction, "I could not find your rating to add that to; please rate the answer again.");
      if (error instanceof StoreUnavailableError) return replyEphemeral(interaction, "Your 👎 is recorded, but I could not store the reason just now (storage is unavailable).");
      throw error;
    }
  }
  await replyEphemeral(interaction, amendment ? "Thanks for telling us what was wrong. We'll use it to improve the answers. 👎" : "Thanks for telling us. We'll use it to improve the answers. 👎");
}
