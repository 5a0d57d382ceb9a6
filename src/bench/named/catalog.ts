// Benchmarks known by name, as VLMEvalKit names them (`--data MM-IFEval`): the file it keeps in $LMUData, its md5
// and where VLMEvalKit downloads it from.

export interface KnownBench {
  name: string;
  file: string;
  md5: string;
  url: string;
  /** Environment variable that overrides the URL (tests, mirrors). */
  urlEnv: string;
}

export const KNOWN_BENCHES: readonly KnownBench[] = [
  {
    name: "MM-IFEval",
    file: "MM-IFEval.tsv",
    md5: "973bb839961a449565073a5ee70ae7a6",
    url: "https://opencompass.openxlab.space/utils/VLMEval/MM-IFEval.tsv",
    urlEnv: "MMIF_MM_IFEVAL_URL",
  },
];

/** The known benchmark called `name` (case-insensitive, as VLMEvalKit's dataset names are typed), if any. */
export function knownBench(name: string, catalog: readonly KnownBench[] = KNOWN_BENCHES): KnownBench | undefined {
  const key = name.toLowerCase();
  return catalog.find((b) => b.name.toLowerCase() === key);
}
