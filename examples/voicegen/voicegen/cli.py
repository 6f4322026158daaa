"""voicegenhub synthesize TEXT... [--provider P] [--voice V] [--gpu] [--output FILE]"""

import argparse
import os
import sys

from . import tts
from .providers import PROVIDERS, template_for


def parse(argv):
    parser = argparse.ArgumentParser(prog="voicegenhub")
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("synthesize", help="text to speech")
    s.add_argument("texts", nargs="*", help="one text, or several (a batch)")
    s.add_argument("--texts-file", help="one text a line (a batch)")
    s.add_argument("--provider", choices=PROVIDERS, default="qwen")
    s.add_argument("--voice", default="Ryan")
    s.add_argument("--gpu", action="store_true", help="run the model on a Kaggle GPU")
    s.add_argument("--output", default="generated.wav", help="the .wav for one text")
    s.add_argument("--output-dir", default="voices", help="where a batch's .wav files go")
    s.add_argument("--reference-audio", help="a voice to clone (uploaded with the job)")
    s.add_argument("--batch-mode", choices=("loop", "per-item"), default="loop")
    args = parser.parse_args(argv)
    if args.texts_file:
        with open(args.texts_file, encoding="utf-8") as f:
            args.texts += [line.rstrip("\n") for line in f if line.strip()]
    if not args.texts:
        parser.error("give a text to synthesize (or --texts-file)")
    return args


def run_locally(args):
    cache = os.path.expanduser("~/.cache/voicegen")
    os.makedirs(cache, exist_ok=True)
    model = tts.load_model(args.provider, cache_dir=cache)
    if len(args.texts) == 1:
        seconds = tts.synthesize(model, args.texts[0], args.voice, args.output, args.reference_audio)
        print("wrote %s (%.2f s of audio, %s, local)" % (args.output, seconds, args.provider))
        return
    for n, text in enumerate(args.texts, 1):
        path = os.path.join(args.output_dir, "%04d.wav" % n)
        tts.synthesize(model, text, args.voice, path, args.reference_audio)
    print("wrote %d files in %s (local)" % (len(args.texts), args.output_dir))


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.gpu and template_for(args.provider) is None:
        sys.stderr.write(
            "voicegenhub: warning: provider %s has no Kaggle support; running locally\n"
            % args.provider
        )
        args.gpu = False
    if not args.gpu:
        run_locally(args)
        return 0
    import kaggle_run

    from . import remote

    try:
        if len(args.texts) == 1:
            record = remote.synthesize(
                args.provider, args.texts[0], args.voice, args.output, args.reference_audio
            )
            print("wrote %s (%s on Kaggle, run %s)" % (args.output, args.provider, record.run_id))
            return 0
        result = remote.synthesize_many(
            args.provider, args.texts, args.voice, args.output_dir, args.reference_audio,
            mode=args.batch_mode,
        )
        return result.exit_code
    except kaggle_run.KaggleRunError as error:
        sys.stderr.write("voicegenhub: %s\n" % error)
        return error.exit_code
