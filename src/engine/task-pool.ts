/**
 * The engine's own pool of open-ended tasks (paper §3, stage 2): the examples a VLM is shown before it proposes
 * tasks that fit an image. Each task asks for a long, free-form answer, so that length, format, style and keyword
 * constraints have room to shape it; none asks a closed question or fixes a format itself (that is the
 * constraints' job). Our own wording, in the paper's five kinds with Table 6's counts: descriptive analysis 4,
 * emotional & perspective 3, creative writing 5, social media & content 3, role play 1 (16 tasks; Appendix A.1.2
 * says "18", Table 6 lists 16). `sampleExamples` draws tasks, not kinds, uniformly, so these shares carry over.
 */

/** Tasks per kind in the paper's Table 6. */
export const TABLE6_COUNTS: Readonly<Record<TaskKind, number>> = {
  descriptive_analysis: 4,
  emotion_perspective: 3,
  creative_writing: 5,
  social_media: 3,
  role_play: 1,
};

export type TaskKind = "descriptive_analysis" | "emotion_perspective" | "creative_writing" | "social_media" | "role_play";

export const TASK_KINDS: readonly TaskKind[] = ["descriptive_analysis", "emotion_perspective", "creative_writing", "social_media", "role_play"];

export interface PoolTask {
  /** Stable id, `<kind>/<n>`. */
  readonly id: string;
  readonly kind: TaskKind;
  readonly task: string;
}

function kind(k: TaskKind, tasks: string[]): PoolTask[] {
  return tasks.map((task, i) => ({ id: `${k}/${i + 1}`, kind: k, task }));
}

export const TASK_POOL: readonly PoolTask[] = [
  ...kind("descriptive_analysis", [
    "Describe this image in detail, moving from the overall scene to the smaller elements a quick glance would miss.",
    "Analyze how the composition of this picture (framing, light, color and the placement of its subjects) guides the viewer's eye.",
    "Explain what is most likely happening in this image and what probably happened just before it was taken, citing the visual clues you rely on.",
    "Compare the different parts of this image with one another and discuss what the contrasts between them suggest.",
  ]),
  ...kind("emotion_perspective", [
    "Discuss the mood this image conveys and which visual details create that feeling.",
    "Imagine you are one of the people, animals or objects in this picture and describe what you see, hear and feel at this moment.",
    "Reflect on what this scene might mean to someone who grew up in a place like the one shown, and why.",
  ]),
  ...kind("creative_writing", [
    "Write a short story that begins at the exact moment this picture was taken.",
    "Compose a poem inspired by the atmosphere and the details of this image.",
    "Write a diary entry by someone who spent the whole day at the place shown in this image.",
    "Invent a legend or a myth that would explain how the scene in this picture came to be.",
    "Write a letter to a friend describing this scene as if you had just visited it.",
  ]),
  ...kind("social_media", [
    "Write an engaging social media post to share this image with your followers, giving it some context.",
    "Draft a blog post that uses this image as its opening illustration and expands on its subject.",
    "Write a product or travel advertisement built around this image, aimed at persuading readers to act.",
  ]),
  ...kind("role_play", [
    "As a tour guide standing in front of this scene, present it to a group of visitors.",
  ]),
];
