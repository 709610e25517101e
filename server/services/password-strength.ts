// How hard a password is to guess, by zxcvbn-ts (the common and English dictionaries, plus a
// short Swedish list of the words Swedish passwords are made of, and the account's own e-mail
// address and name, and the app's and region's names). Scores run 0–4; below MIN_SCORE is refused
// with zxcvbn's own advice, in Swedish.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** 3: "safely unguessable" (about 10^10 guesses): enough behind argon2id and the rate limits. */
export const MIN_SCORE = 3;

const SWEDISH_WORDS = [
  'lösenord',
  'losenord',
  'hemligt',
  'hejsan',
  'hej',
  'sommar',
  'vinter',
  'våren',
  'hösten',
  'januari',
  'februari',
  'mars',
  'april',
  'maj',
  'juni',
  'juli',
  'augusti',
  'september',
  'oktober',
  'november',
  'december',
  'måndag',
  'tisdag',
  'onsdag',
  'torsdag',
  'fredag',
  'lördag',
  'söndag',
  'kärlek',
  'älskling',
  'sverige',
  'svenska',
  'stockholm',
  'göteborg',
  'malmö',
  'uppsala',
  'region',
  'regionen',
  'kommun',
  'landsting',
  'välkommen',
  'kaffe',
  'fotboll',
  'hockey',
  'katten',
  'hunden',
  'mamma',
  'pappa',
  'hemma',
  'jobbet',
  'arbete',
  'kontoret',
  'qwerty',
  'qwertyuiop',
  'asdfghjkl',
  'partnerpuls',
  'enkät',
  'enkäten',
  'indikator',
  'strategi',
];

/** zxcvbn's advice in Swedish (the same keys as its English translation). */
const SWEDISH: typeof english.translations = {
  warnings: {
    straightRow: 'Tangenter som sitter på rad är lätta att gissa.',
    keyPattern: 'Korta tangentbordsmönster är lätta att gissa.',
    simpleRepeat: 'Upprepade tecken som "aaa" är lätta att gissa.',
    extendedRepeat: 'Upprepade mönster som "abcabcabc" är lätta att gissa.',
    sequences: 'Vanliga följder som "abc" eller "123" är lätta att gissa.',
    recentYears: 'Årtal från senare år är lätta att gissa.',
    dates: 'Datum är lätta att gissa.',
    topTen: 'Det här är ett av de allra vanligaste lösenorden.',
    topHundred: 'Det här är ett mycket vanligt lösenord.',
    common: 'Det här är ett vanligt lösenord.',
    similarToCommon: 'Det här liknar ett vanligt lösenord.',
    wordByItself: 'Ett ensamt ord är lätt att gissa.',
    namesByThemselves: 'Ensamma för- eller efternamn är lätta att gissa.',
    commonNames: 'Vanliga för- och efternamn är lätta att gissa.',
    userInputs: 'Lösenordet får inte bygga på din e-postadress, ditt namn eller tjänstens namn.',
    pwned: 'Lösenordet har läckt ut på internet tidigare.',
  },
  suggestions: {
    l33t: 'Byt inte bara ut bokstäver mot liknande tecken, som "@" mot "a".',
    reverseWords: 'Ord baklänges är lätta att gissa.',
    allUppercase: 'Versaler på några, inte alla, bokstäver hjälper.',
    capitalization: 'Versaler på fler än första bokstaven hjälper.',
    dates: 'Undvik datum och årtal som hör ihop med dig.',
    recentYears: 'Undvik årtal från senare år.',
    associatedYears: 'Undvik årtal som hör ihop med dig.',
    sequences: 'Undvik vanliga följder av tecken.',
    repeated: 'Undvik upprepade ord och tecken.',
    longerKeyboardPattern: 'Använd längre tangentbordsmönster och byt riktning flera gånger.',
    anotherWord: 'Lägg till fler ord som är ovanliga tillsammans.',
    useWords: 'Använd flera ord, men undvik vanliga fraser.',
    noNeed: 'Du kan skapa starka lösenord utan symboler, siffror eller versaler.',
    pwned: 'Använder du lösenordet någon annanstans ska du byta det där också.',
  },
  timeEstimation: {
    ltSecond: 'mindre än en sekund',
    second: '%{base} sekund',
    seconds: '%{base} sekunder',
    minute: '%{base} minut',
    minutes: '%{base} minuter',
    hour: '%{base} timme',
    hours: '%{base} timmar',
    day: '%{base} dag',
    days: '%{base} dagar',
    month: '%{base} månad',
    months: '%{base} månader',
    year: '%{base} år',
    years: '%{base} år',
    centuries: 'århundraden',
  },
};

let factory: ZxcvbnFactory | null = null;

function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary, 'swedish-common': SWEDISH_WORDS },
    graphs: common.adjacencyGraphs,
    translations: SWEDISH,
  });
  return factory;
}

/** The words of an e-mail address and a name, as zxcvbn's user inputs. */
function inputsOf(userInputs: string[]): string[] {
  const out = new Set<string>();
  for (const v of userInputs) {
    const s = v.trim().toLowerCase();
    if (!s) continue;
    out.add(s);
    for (const part of s.split(/[@.\s_+-]+/)) if (part.length >= 3) out.add(part);
  }
  return [...out];
}

/** A Swedish message that helps when the password is too easy to guess, else null. */
export function weakPasswordMessage(password: string, userInputs: string[]): string | null {
  const result = estimator().check(password, inputsOf(userInputs));
  if (result.score >= MIN_SCORE) return null;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => !!s);
  return ['Lösenordet är för lätt att gissa.', ...advice, 'Tips: skriv en mening av fyra eller fler ord som inte brukar stå ihop.'].join(
    ' ',
  );
}
