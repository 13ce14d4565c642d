/**
 * pin-bump's measurement: the old pin's bundle (fetched through fetch's checked path) and the new
 * one run side by side by `compare`. Whatever stops it becomes "not measured: <why>", never a
 * failed bump: the status then fails and the Risk section says why.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareInputs } from '../compare/command';
import { CompareInput, completeMajors, directoryInput, fetchedInput } from '../compare/input';
import { CompareReport, renderMarkdown } from '../compare/report';
import { FetchAccess, fetchToTemp } from '../fetch/temp';
import { errorMessage } from '../util/errors';
import { Logger } from '../util/logger';
import { CompatibilityResult, notMeasured, summariseCompare } from './compatibility';
import { measuredSha256 } from '../pin/pinned';
import { PinFile } from '../pin/types';

/** Runs compare on two bundles; tests inject one, production runs the real compare. */
export type CompareRunner = (old: CompareInput, neu: CompareInput, log: Logger) => Promise<CompareReport>;

export interface MeasureSettings {
  /** --out: used as the new bundle when it holds one (the `run` job), else the new pin is fetched */
  out: string;
  pinPath: string;
  access: FetchAccess;
  allowUnisolated: boolean;
  log: Logger;
  compare?: CompareRunner;
}

const firstLine = (err: unknown) => errorMessage(err).split('\n')[0];

/** The new bundle: --out when it holds one, else the new pin's release, fetched and checked. */
async function newInput(newPin: PinFile, s: MeasureSettings): Promise<CompareInput> {
  const out = resolve(s.out);
  if (existsSync(out) && completeMajors(out).length > 0) {
    s.log.info(`compare: the new bundle is the one in ${out}`);
    const input = directoryInput(out, `${newPin.tag} (${s.out})`);
    if (input) return input;
  }
  const where = `the new pin ${newPin.tag}`;
  return fetchedInput(newPin.tag, await fetchToTemp({ pin: newPin, where }, s.access));
}

/** Measures what replacing the old pin's bundle with the new one changes (never throws). */
export async function measureBump(
  oldPin: PinFile | undefined,
  newPin: PinFile,
  s: MeasureSettings,
): Promise<CompatibilityResult> {
  const pins = {
    pin: s.pinPath,
    old: oldPin && measuredSha256(oldPin),
    new: measuredSha256(newPin),
  };
  if (!oldPin) return notMeasured(pins, 'first pin: there is no old bundle to compare with');
  let old: CompareInput;
  try {
    const where = `the old pin ${oldPin.tag}`;
    old = fetchedInput(`${oldPin.tag} (old pin)`, await fetchToTemp({ pin: oldPin, where }, s.access));
  } catch (err) {
    s.log.warn(`compare: the old pin's bundle could not be fetched: ${errorMessage(err)}`);
    return notMeasured(pins, `the old pin's bundle ${oldPin.tag} could not be fetched: ${firstLine(err)}`);
  }
  let neu: CompareInput | undefined;
  try {
    neu = await newInput(newPin, s);
    const compare =
      s.compare ?? ((o, n, log) => compareInputs(o, n, { allowUnisolated: s.allowUnisolated, log }));
    const report = await compare(old, neu, s.log);
    return {
      summary: summariseCompare(report, pins),
      report,
      markdown: renderMarkdown(report, { times: false }),
    };
  } catch (err) {
    s.log.warn(`compare did not run: ${errorMessage(err)}`);
    return notMeasured(pins, `compare did not run: ${firstLine(err)}`);
  } finally {
    old.cleanup?.();
    neu?.cleanup?.();
  }
}
