#!/usr/bin/env node
// gen-common-passwords.mjs: generates data/common-passwords.txt, the list of
// common passwords that server/auth/password.c refuses for new passwords.
//
// Usage (node 20, no npm packages):
//   node scripts/gen-common-passwords.mjs            write data/common-passwords.txt
//   node scripts/gen-common-passwords.mjs OUT        write OUT instead ("-" for stdout)
//   node scripts/gen-common-passwords.mjs --check    exit 1 when the file is not
//                                                    what this script generates
//
// The output is deterministic (no randomness, no dates): the same script gives
// the same file, byte for byte. To extend the list, add words to the tables
// below (or a new generator to main()) and run the script again.
//
// What it contains: passwords of 12 to 128 characters only (shorter ones are
// refused by the length rule anyway), lower-case (the server compares after
// ASCII lower-casing), deduplicated, sorted by byte value, one per line. No
// entry starts with '#' (that marks a comment in the file) or has leading or
// trailing white space. Sources, all written down from knowledge of what
// breach corpora show people actually use (there is no download):
//   - well-known long favourites from leaked-password lists;
//   - keyboard walks on QWERTY, AZERTY and QWERTZ: rows, snakes, columns,
//     zigzags, blocks, repeated chunks; numeric keypad walks;
//   - digit and letter runs: repeats, ascending/descending sequences (with and
//     without wrap-around), repeated pairs and triples, palindromes;
//   - a few hundred common base words and names, plus words an attacker would
//     try on this service (therapy, couples, interlude, ...), with the usual
//     mutations: digit/symbol suffixes, years 1950-2030, repetition, common
//     prefixes and suffix words, leetspeak for the top words;
//   - "ilove..." phrases and couples' names ("johnandmary").

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_LEN = 12;
const MAX_LEN = 128;

const out = new Set();

/* Adds s when it has 12-128 characters (after lower-casing). */
function add(s) {
    s = s.toLowerCase();
    const n = [...s].length;
    if (n < MIN_LEN || n > MAX_LEN) return;
    if (s.startsWith('#') || s !== s.trim() || /[\r\n]/.test(s)) return;
    out.add(s);
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const repeatTo = (chunk, len) => chunk.repeat(Math.ceil(len / chunk.length)).slice(0, len);
const reverse = (s) => [...s].reverse().join('');
/* Every prefix of s that is at least MIN_LEN long. */
function prefixes(s) {
    for (let n = MIN_LEN; n <= Math.min(s.length, MAX_LEN); n++) add(s.slice(0, n));
}

/* ------------------------------------------------------------------ */
/* 1. Well-known long favourites from leaked-password lists.           */
/* ------------------------------------------------------------------ */

const FAVOURITES = [
    '123456789012', '1234567890123', '12345678901234', '123456789012345',
    '1234567890qwerty', '1234567890qwertyuiop', '0987654321qwerty',
    'qwertyuiopasdfgh', 'qwertyuiopasdfghjkl', 'qwertyuiopasdfghjklzxcvbnm',
    'qwertyuiop123', 'qwertyuiop1234', 'qwerty123456', 'qwerty1234567',
    'qwerty12345678', 'qwerty123456789', 'qwertyqwerty', 'qwerty123qwerty',
    'asdfghjkl123', 'asdfghjkl1234', 'asdfasdfasdf', 'zxcvbnm12345', 'zxcvbnm123456',
    'passwordpassword', 'password1234', 'password12345', 'password123456',
    'password1234567', 'password123456789', 'password1password1', 'mypassword123',
    'mypassword1234', 'newpassword1', 'newpassword123', 'changeme1234', 'changemenow1',
    'iloveyouiloveyou', 'iloveyou1234', 'iloveyou12345', 'iloveyou123456',
    'iloveyousomuch', 'iloveyoubaby', 'iloveyouforever', 'iloveyoutoo1',
    'iloveyoumore', 'iloveyoumom1', 'iloveyoudad1', 'iloveyouall1',
    'ilovemyfamily', 'ilovemymom123', 'ilovemyboyfriend', 'ilovemygirlfriend',
    'ilovemyhusband', 'ilovemywife1', 'ilovemykids1', 'ilovemydog123',
    'ilovemyself1', 'ilovejesus123', 'ilovegod1234', 'jesusismylord',
    'jesuslovesme', 'jesusloveyou', 'godisgood123', 'godloveme123',
    '1q2w3e4r5t6y', '1q2w3e4r5t6y7u', '1q2w3e4r5t6y7u8i', '1q2w3e4r5t6y7u8i9o0p',
    'q1w2e3r4t5y6', 'q1w2e3r4t5y6u7', '1qaz2wsx3edc', '1qaz2wsx3edc4rfv',
    '1qaz2wsx3edc4rfv5tgb', '1qazxsw23edcvfr4', 'zaq12wsxcde3', 'zaq12wsxcde34rfv',
    'zaq1zaq1zaq1', 'qazwsxedcrfv', 'qazwsxedcrfvtgb', 'qazwsxedcrfvtgbyhn',
    '1qaz!qaz1qaz', '!qaz2wsx#edc', '1qaz@wsx3edc', '1qaz2wsx!qaz@wsx',
    'qwerasdfzxcv', '1234qwerasdf', '1234qwerasdfzxcv', 'qweasdzxc123',
    '123qweasdzxc', 'qweasdzxcqweasdzxc', 'abc123abc123', 'abcd1234abcd',
    'abcdef123456', 'abcdefg123456', 'abcdefgh12345678', 'abcdefghijkl',
    'abcdefghijklmnopqrstuvwxyz', 'a1b2c3d4e5f6', 'a1b2c3d4e5f6g7', '1a2b3c4d5e6f',
    'aa11bb22cc33', 'aaaaaaaaaaaa', 'administrator', 'administrator1',
    'administrator123', 'letmeinletmein', 'letmein12345', 'letmein123456',
    'welcome12345', 'welcome123456', 'welcomewelcome', 'trustno1trustno1',
    'thequickbrownfox', 'thequickbrownfoxjumpsoverthelazydog',
    'correcthorsebatterystaple', 'correct horse battery staple',
    'i love you forever', 'iloveyou forever', 'i love you so much',
    'whateverwhatever', 'blahblahblah', 'blablablabla', 'hahahahahaha',
    'lalalalalala', 'lollollollol', 'hehehehehehe', 'nananananana',
    'babababababa', 'xoxoxoxoxoxo', 'ilovemusic123', 'letmein!letmein',
    'fuckyoufuckyou', 'fuckyou12345', 'fuckyou123456', 'fuckoff12345',
    'thisismypassword', 'thisisapassword', 'thisisnotmypassword', 'notmypassword',
    'nopassword123', 'idontknow123', 'idontknowidontknow', 'dontforgetme',
    'secretpassword', 'supersecretpassword', 'topsecret1234', 'verysecret123',
    'password!password', 'p@ssw0rdp@ssw0rd', 'p@ssw0rd1234', 'p@ssw0rd123!',
    'passw0rd1234', 'passw0rd12345', 'pa$$w0rd1234', 'p4ssw0rd1234',
    'adminadminadmin', 'admin1234567', 'admin12345678', 'rootroot1234',
    'testtesttest', 'test12345678', 'testing12345', 'testing123456',
    'useruseruser', 'guestguest12', 'defaultpassword', 'temppassword',
    'temporarypassword', 'welcome2interlude', 'myspace12345', 'facebook1234',
    'facebook12345', 'google123456', 'microsoft123', 'linkedin1234',
    'superman1234', 'batman123456', 'spiderman123', 'starwars1234',
    'pokemon12345', 'minecraft123', 'minecraft1234', 'fortnite1234',
    'michaeljordan', 'mickeymouse1', 'mickeymouse123', 'hellokitty123',
    'harrypotter1', 'harrypotter123', 'manchesterunited', 'liverpoolfc1',
    'chelseafc1234', 'realmadrid123', 'barcelona1234', 'blink182blink182',
    'onetwothreefour', 'onetwothreefourfive', 'abcdefghijklmn',
    '11111111111111', '00000000000000', '5201314520131', '520131452013',
    '1314520520', '5211314521314', '147258369147', '147258369147258369',
    '789456123789', '7894561230123', '159753159753', '159357159357',
    '741852963741', '963852741963', '123654789123', '987456321987',
];
FAVOURITES.forEach(add);

/* ------------------------------------------------------------------ */
/* 2. Keyboard walks.                                                  */
/* ------------------------------------------------------------------ */

// Rows from the digit row down, letters and punctuation as typed unshifted.
const LAYOUTS = {
    qwerty: ['1234567890-=', 'qwertyuiop[]', "asdfghjkl;'", 'zxcvbnm,./'],
    azerty: ['1234567890', 'azertyuiop', 'qsdfghjklm', 'wxcvbn,;:!'],
    qwertz: ['1234567890', 'qwertzuiopü', 'asdfghjklöä', 'yxcvbnm,.-'],
};
const SHIFTED_DIGITS = '!@#$%^&*()_+';

function keyboardWalks(rows) {
    const letters = rows.map((r) => r.replace(/[^a-z0-9üöä]/g, '')); // letters and digits only
    const ascii = rows.map((r) => r.replace(/[^a-z0-9]/g, '')); // umlauts skipped too
    const variants = [rows, letters, ascii];
    for (const rs of variants) {
        // Rows, forwards and backwards, on their own and run together.
        for (let i = 0; i < rs.length; i++) {
            for (let j = i; j < rs.length; j++) {
                const fwd = rs.slice(i, j + 1).join('');
                prefixes(fwd);
                prefixes(reverse(fwd));
                prefixes(rs.slice(i, j + 1).map(reverse).join(''));
                prefixes(rs.slice(i, j + 1).reverse().join(''));
                // Snake: alternate direction on every row.
                prefixes(rs.slice(i, j + 1).map((r, k) => (k % 2 ? reverse(r) : r)).join(''));
            }
        }
        // Columns: down each column, then the next; also up; also alternating.
        for (const top of [0, 1]) {
            const sub = rs.slice(top);
            const width = Math.min(...sub.map((r) => r.length));
            for (let start = 0; start < 4; start++) {
                let down = '', up = '', alt = '';
                for (let c = start; c < width; c++) {
                    const col = sub.map((r) => r[c]).join('');
                    down += col;
                    up += reverse(col);
                    alt += (c - start) % 2 ? reverse(col) : col;
                }
                prefixes(down);
                prefixes(up);
                prefixes(alt);
                prefixes(reverse(down));
                // Only the first two or three rows of each column.
                for (const depth of [2, 3]) {
                    let d = '', u = '';
                    for (let c = start; c < width; c++) {
                        const col = sub.slice(0, depth).map((r) => r[c]).join('');
                        d += col;
                        u += reverse(col);
                    }
                    prefixes(d);
                    prefixes(u);
                }
            }
        }
        // Zigzags between two neighbouring rows: 1q2w3e..., q1w2e3..., qawsed...
        for (let i = 0; i + 1 < rs.length; i++) {
            const a = rs[i], b = rs[i + 1];
            const w = Math.min(a.length, b.length);
            for (let start = 0; start < 3; start++) {
                let ab = '', ba = '';
                for (let c = start; c < w; c++) {
                    ab += a[c] + b[c];
                    ba += b[c] + a[c];
                }
                prefixes(ab);
                prefixes(ba);
                prefixes(reverse(ab));
            }
        }
        // Blocks: the first k keys of each row, then the next k, ...
        for (const top of [0, 1]) {
            const sub = rs.slice(top);
            for (const k of [2, 3, 4, 5]) {
                for (const depth of [2, 3, 4]) {
                    if (depth > sub.length) continue;
                    let s = '';
                    for (let c = 0; c < 10; c += k)
                        for (let r = 0; r < depth; r++) s += sub[r].slice(c, c + k);
                    prefixes(s);
                }
            }
        }
    }
    // Chunks typed again and again, and a walk plus digits.
    const chunks = new Set();
    for (const r of letters) {
        for (const k of [3, 4, 5, 6]) {
            chunks.add(r.slice(0, k));
            chunks.add(reverse(r).slice(0, k));
        }
    }
    const [d, t, h, b] = letters;
    for (let k = 2; k <= 4; k++) {
        let colDown = '', zig = '';
        for (let c = 0; c < k; c++) {
            colDown += d[c] + t[c] + h[c] + b[c];
            zig += d[c] + t[c];
        }
        chunks.add(colDown);
        chunks.add(colDown.slice(1));
        chunks.add(zig);
    }
    chunks.add(t.slice(0, 3) + h.slice(0, 3) + b.slice(0, 3));
    chunks.add(t.slice(0, 3) + h.slice(0, 3));
    chunks.add(h.slice(0, 3) + b.slice(0, 3));
    for (const c of chunks) {
        for (const n of [12, 13, 14, 15, 16]) if (n % c.length === 0) add(c.repeat(n / c.length));
        add(c.repeat(Math.ceil(MIN_LEN / c.length)));
        add(c.repeat(Math.ceil(MIN_LEN / c.length) + 1));
        for (const s of ['123', '1234', '12345', '123456', '1234567', '12345678', '123456789', '1234567890', '!@#$', '!@#$%^'])
            add(c + s), add(s + c), add(c + s + c);
    }
}
for (const rows of Object.values(LAYOUTS)) keyboardWalks(rows);
prefixes(SHIFTED_DIGITS + SHIFTED_DIGITS);
prefixes(reverse(SHIFTED_DIGITS) + reverse(SHIFTED_DIGITS));
prefixes('1!2@3#4$5%6^7&8*9(0)');
prefixes('!1@2#3$4%5^6&7*8(9)0');
add('!@#$%^&*()_+');
add('!@#$%^&*()123');
add('123456!@#$%^');
add('!@#$%^123456');
add('qwerty!@#$%^');
add('!@#$%^qwerty');
add('1qaz!qaz2wsx@wsx');

// Numeric keypad walks (7 8 9 / 4 5 6 / 1 2 3 / 0).
const KEYPAD = [
    '147258369', '369258147', '741852963', '963852741', '789456123', '123456789',
    '321654987', '987654321', '159357', '357159', '159753', '753951', '147852369',
    '123654789', '789654123', '987456321', '12369874', '14789632', '741236987',
    '2580', '0852', '1793', '7913', '1397', '147963', '258', '369', '753', '951',
];
for (const k of KEYPAD) {
    for (let n = 2; n <= 4; n++) add(k.repeat(n));
    add(k + reverse(k));
    add(k + '0' + k);
    for (const s of ['0', '00', '000', '0123', '1234', '123456', '147', '258', '369', '789', '123'])
        add(k + s), add(s + k);
}

/* ------------------------------------------------------------------ */
/* 3. Digit and letter runs.                                           */
/* ------------------------------------------------------------------ */

const DIGITS = '0123456789';
const ALPHA = 'abcdefghijklmnopqrstuvwxyz';
for (const n of range(12, 24)) {
    for (const ch of DIGITS) add(ch.repeat(n));
    for (const ch of ALPHA) if (n <= 16) add(ch.repeat(n));
}
// Repeated pairs and triples of digits: 121212..., 123123..., 007007...
for (const a of DIGITS) {
    for (const b of DIGITS) {
        if (a === b) continue;
        for (const n of [12, 14, 16]) add(repeatTo(a + b, n));
        add(a.repeat(6) + b.repeat(6));
        add(a + a + b + b + a + a + b + b + a + a + b + b);
    }
}
for (let i = 0; i < 1000; i++) {
    const t = String(i).padStart(3, '0');
    if (new Set(t).size === 1) continue;
    // Only triples that people type: runs, doubles, palindromes, 007 and friends.
    const run = DIGITS.includes(t) || reverse(DIGITS).includes(t);
    const special = t[0] === t[1] || t[1] === t[2] || t[0] === t[2] || /^(00|69|77)/.test(t);
    if (run || special) add(t.repeat(4));
}
// Ascending and descending runs, with and without wrap-around (…8901…).
const UP = DIGITS.repeat(4), DOWN = reverse(DIGITS).repeat(4);
for (let s = 0; s < 10; s++) {
    for (const n of range(12, 30)) {
        add(UP.slice(s, s + n));
        add(DOWN.slice(s, s + n));
    }
}
// Without wrap: 1..9 then 1..9 again, 1..9 then 9..1, etc.
for (const n of range(4, 10)) {
    const up = '1234567890'.slice(0, n), down = reverse(up);
    const up1 = '123456789'.slice(0, Math.min(n, 9));
    for (const s of [up + up, up + up + up, up + down, down + up, up + reverse(up).slice(1),
        up1 + up1, up1 + up1 + up1, up1 + reverse(up1), up1 + reverse(up1).slice(1)])
        add(s);
    add(repeatTo(up, 12));
    add(repeatTo(up, 16));
}
// Doubled and tripled digits: 112233..., 111222333...
for (const src of ['1234567890', '0123456789', '9876543210']) {
    for (const k of [2, 3, 4]) {
        let s = '';
        for (const ch of src) s += ch.repeat(k);
        prefixes(s);
    }
}
// Round numbers.
for (const ch of '123456789') for (const n of range(11, 15)) add(ch + '0'.repeat(n));
// Alphabet runs.
for (let s = 0; s < 15; s++) {
    prefixes(ALPHA.slice(s));
    prefixes(reverse(ALPHA).slice(s));
}
for (const k of [2, 3, 4, 5, 6, 7, 8]) {
    const a = ALPHA.slice(0, k), d = '1234567890'.slice(0, k);
    add(a + d), add(d + a), add(a + d + a), add(d + a + d), add(repeatTo(a, 12));
    add(a + a + d), add(a + d + d), add(a + reverse(d)), add(reverse(a) + d);
    let inter = '', inter2 = '';
    for (let i = 0; i < 10; i++) inter += ALPHA[i] + DIGITS[(i + 1) % 10], inter2 += DIGITS[(i + 1) % 10] + ALPHA[i];
    prefixes(inter), prefixes(inter2);
}

/* ------------------------------------------------------------------ */
/* 4. Words and names with the usual mutations.                        */
/* ------------------------------------------------------------------ */

// Tier 1: the most used base words, plus what an attacker would try first on
// a couples' therapy service. These get every mutation, leetspeak included.
const TOP_WORDS = `
password passw0rd letmein welcome iloveyou sunshine princess football baseball
basketball soccer monkey dragon master shadow superman batman trustno1 michael
jennifer jessica ashley charlie hunter killer freedom whatever qwerty admin login
secret computer internet starwars pokemon hello lovely loveyou mylove babygirl
angel beautiful forever together family jesus blessed chocolate summer
butterfly football123 iloveu sweetheart flower rainbow
therapy therapist counselling counseling counselor counsellor interlude
relationship intimacy couples couple love marriage partner husband wife
soulmate wedding anniversary trust healing
`;

// Tier 2: common base words and names from breach corpora.
const WORDS = `
abc123 access action adidas airborne alexander alexandra alexis alice allison
alpha always amanda amber america anderson andrea andrew angela angelina angels
animal anthony apollo apple apples april arsenal arthur asdf asdfgh asdfghjkl
ashley asshole august austin autumn avengers azerty baby babyboy badboy bailey
banana barbara barbie barcelona baseball batman beach bear beautiful beauty
benjamin bestfriend bestfriends betty bigdaddy bigdog biteme bitch black
blahblah blessed blink182 blonde blue bluesky bonjour booboo boomer boston
brandon brandy brittany broncos brooklyn brother brownie buddy bulldog bullshit
buster butter butterfly california camaro cameron canada captain carlos carmen
caroline cassie catherine celtic champion changeme charles charlie charlotte
cheese chelsea cherry chester chicago chicken chris christian christina
christine christmas christopher cinderella claire coffee college compaq
computer cookie cooper corvette cowboy cowboys crystal cupcake daddy dakota
dallas daniel danielle darkness darling david death december defender delta
denise dennis destiny diamond diamonds digital dolphin dolphins donald dragon
dragons dreamer dreams eagle eagles edward elephant elizabeth emily eminem
energy england enigma eternity explorer facebook fairy faith falcon family
fantasy ferrari fireman fishing florida flower flowers flowerpower football
forever freedom friend friends friendship fuckoff fuckyou gandalf garfield
gemini george ginger girlfriend goddess godisgood golden golfer goodluck
google gracie grandma green guitar gunner hammer hannah happiness happy
harley harrypotter hawaii heather heaven hello helloworld hellokitty hockey
homer honda honey horses hotdog hottie house hunter iceman iloveyou internet
isabella jackson jaguar james jasmine jasper jennifer jeremy jessica jesus
jesuschrist joseph joshua jordan jordan23 julia juliet junior jupiter justice
justin kelly kennedy killer kimberly kingdom kitten kitty knight lakers
lauren leonardo liberty lifehack lightning lincoln liverpool london lovers
loving lucky madison maggie magic manchester marina marine mariposa marlboro
martin marvel matrix matthew maverick maxwell melissa mercedes mercury
merlin michelle mickey midnight mike miller minecraft mister monica monkey
monster moonlight morgan mother motorola music mustang natalie natasha
naruto nathan nicholas nicole nightmare nintendo nothing november oliver
olivia orange packers panther panthers paradise parker passion patrick
peaches peanut pepper pepsi phoenix photoshop pickles pikachu pineapple
playboy player playstation please pokemon poohbear porsche precious
pretty prince princess purple qazwsx qwerty qwertyuiop rachel rainbow
raiders ranger rangers raymond rebecca redsox richard robert rockstar
rocky romance romantic rosebud rush2112 russia sabrina sakura samantha
samsung samuel sandra saturn scooby scooter scorpio scorpion secret
september serenity shadow shannon sierra silver simpsons skater skippy
slipknot smile smokey snoopy snowball snowflake soccer softball sophia
sophie sparky spencer spider spiderman spirit spongebob spring star
starlight stars starwars steelers stephanie steven stupid success summer
sunflower sunshine superman superstar surfer sweet sweetie sweetpea
swordfish sydney taylor teacher tennis terminator thomas thunder tigger
tiger tigers timothy tinkerbell tomcat tottenham toyota travis trinity
trouble trustme tucker turtle twilight united universe valentina valentine
vanessa victoria victory viking vincent warcraft warrior welcome whatever
william williams willow wilson windows winner winter wizard wolverine
wonderful xavier yamaha yankees yellow yourmom zachary zxcvbnm
alejandro andreas anna antonio beatriz camille carolina daniela diego
eduardo elena emma fernando francesca francesco gabriel gabriela giovanni
giuseppe isabel isabelle jean julien katarina laura lucas lukas marco maria
mariana marie mario martina maximilian michele miguel monique nicolas pablo
pierre roberto sebastian sofia stefan svetlana tatiana valentin vladimir
amorcito amore amour bebita cariño carino corazon teamo teamomucho jetaime
ichliebedich schatz liebe tesoro mivida miamor
mommy mummy mother father grandma grandpa children daughter son sister
brother husband wife boyfriend girlfriend fiance fiancee babe baby bae hubby
wifey princesa darling sweetie honeybun honeybunny cutiepie sugar
sweetheart lover lovebug loveme lovelove lovely loving lovingyou
happiness heart hearts hugs kisses kissme xoxo romeo juliet
anniversary wedding married marriage honeymoon together forever always
soulmate soulmates destiny fate truelove myheart mylife mylove myworld
ourlove ourfamily ourhome family familia faith hope peace grace
therapy therapist therapists therapeutic counselling counseling counselor
counsellor interlude relationship relationships intimacy intimate couples
couple partner partners session sessions healing wellness wellbeing
mentalhealth mindfulness selfcare selflove trust honesty respect
communication connection commitment support healthy harmony balance
recovery psychology psychotherapy clinic clinical patient client doctor
counsel appointment compassion empathy kindness gratitude forgiveness
patience understanding listening feelings emotions calm serenity
`;

const SERVICE_PHRASES = `
couplestherapy couplescounselling couplescounseling marriagecounselling
marriagecounseling marriagetherapy familytherapy relationshiptherapy
relationshipcounselling mytherapist mytherapy therapysession therapytime
interludetherapy interludeapp interludecouples myinterlude interlude2024
interlude2025 happycouple happymarriage happyfamily happytogether
togetherforever foreverandalways foreverandever alwaysandforever
loveyouforever loveyoualways iloveyouforever iloveyoualways ourrelationship
ourmarriage ourjourney ourstory ourfuture newbeginnings secondchance
fresh start workingonus healingtogether growingtogether strongertogether
bettertogether husbandandwife wifeandhusband mrandmrs mrandmrssmith
justmarried weddingday weddinganniversary happyanniversary truelove4ever
myhusband mywife myboyfriend mygirlfriend mypartner mysoulmate mybestfriend
mybaby mysweetheart myeverything myonlylove onlyyou onlyyouandme youandme
youandmeforever meandyou usforever lovewins loveislove allyouneedislove
trustissues trustme trustnoone trustno1 mentalhealthmatters selfcarefirst
`;

const split = (s) => [...new Set(s.split(/\s+/).filter(Boolean))];
const top = split(TOP_WORDS);
const words = [...new Set([...top, ...split(WORDS), ...split(SERVICE_PHRASES)])];

// Suffixes after a word (lengths are filtered later).
const SUFFIXES = [
    '', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '01', '00', '07', '10', '11', '12',
    '13', '21', '22', '23', '69', '77', '88', '99', '007', '100', '101', '111', '123', '321',
    '420', '666', '777', '911', '999', '1234', '4321', '12345', '54321', '123456', '654321',
    '1234567', '12345678', '123456789', '1234567890', '0000', '1111', '2222', '6969',
    '!', '!!', '!!!', '1!', '12!', '123!', '1234!', '12345!', '!1', '!123', '@', '@1', '@123',
    '.', '*', '$', '#1', '!@#', '!@#$', '123!@#', '1!@#', '?', '_1', '_123', '.1', '-1',
    '1234567890!', '01!', '69!', '99!',
];
// A few words are glued before or after others.
const AFFIX_AFTER = ['forever', '4ever', '4life', 'always', 'baby', 'babe', 'girl', 'boy',
    'love', 'lover', 'man', 'rocks', 'rules', 'sucks', 'isthebest', 'mylove', 'iloveyou',
    'password', 'pass', 'admin', 'team', 'fan', 'king', 'queen', 'world', 'life'];
const AFFIX_BEFORE = ['i', 'my', 'the', 'ilove', 'iloveyou', 'imissyou', 'ihate', 'mr', 'mrs',
    'big', 'super', 'little', 'sweet', 'sexy', 'love', 'hello', 'dear', 'our', 'mydear',
    'welcome', 'welcometo', 'go', 'team', 'password', '123', '1234', '12345', '123456'];
const YEARS = range(1950, 2030).map(String);
const SHORT_YEARS = range(0, 99).map((y) => String(y).padStart(2, '0'));

// Suffixes for the words outside the top tier (the most frequent ones).
const SUFFIXES_SHORT = ['', '1', '2', '3', '7', '12', '13', '21', '22', '23', '69', '99', '007',
    '123', '321', '1234', '12345', '123456', '1234567', '12345678', '123456789',
    '1234567890', '!', '!!', '1!', '123!', '@', '@123', '.', '*', '!@#', '111', '000', '777'];
const AFFIX_AFTER_SHORT = ['forever', '4ever', 'love', 'baby'];
const AFFIX_BEFORE_SHORT = ['i', 'my', 'the', 'ilove'];

function mutate(w, full) {
    for (const s of full ? SUFFIXES : SUFFIXES_SHORT) add(w + s);
    for (const y of YEARS) {
        add(w + y);
        if (full) add(y + w), add(w + y + '!'), add(w + '@' + y);
    }
    add(w + w), add(w + w + '1'), add(w + w + '123'), add(w + w + w);
    for (const a of full ? AFFIX_AFTER : AFFIX_AFTER_SHORT) add(w + a), add(w + a + '1');
    for (const b of full ? AFFIX_BEFORE : AFFIX_BEFORE_SHORT) add(b + w), add(b + w + '1');
    if (full) {
        for (const y of SHORT_YEARS) add(w + y + '!');
        for (const a of AFFIX_AFTER) add(w + a + '!'), add(w + a + '123');
        for (const b of AFFIX_BEFORE) add(b + w + '!'), add(b + w + '123');
        add(w + reverse(w)), add(w + '1' + w + '1'), add(w + '123' + w + '123'), add('1' + w + '1');
        add(w + ' ' + w), add('i love ' + w), add('i love my ' + w);
    }
}
for (const w of words) mutate(w, top.includes(w));

// Leetspeak for the top words: every letter class (all a's, all e's, ...)
// either kept or replaced by one of its substitutes.
const LEET = { a: ['a', '@', '4'], e: ['e', '3'], i: ['i', '1'], o: ['o', '0'],
    s: ['s', '$', '5'] };
function leetVariants(w) {
    let variants = [w];
    for (const [ch, subs] of Object.entries(LEET)) {
        if (!w.includes(ch)) continue;
        const next = [];
        for (const v of variants) for (const s of subs) next.push(v.split(ch).join(s));
        variants = next;
        if (variants.length > 200) break; // long words: enough
    }
    return variants.filter((v) => v !== w);
}
const LEET_SUFFIXES = ['', '1', '12', '123', '1234', '12345', '123456', '!', '1!', '123!', '!!',
    '@', '2024', '2025'];
for (const w of top) {
    for (const v of leetVariants(w)) {
        for (const s of LEET_SUFFIXES) add(v + s);
        add(v + v);
    }
}

/* ------------------------------------------------------------------ */
/* 5. Phrases and couples' names.                                      */
/* ------------------------------------------------------------------ */

const MALE = split(`
michael james john robert david william richard joseph thomas charles christopher
daniel matthew anthony mark steven paul andrew joshua kevin brian george edward
ryan jason justin brandon tyler jacob nicholas alex chris mike tom ben sam adam
jack harry peter luke
`);
const FEMALE = split(`
mary jennifer jessica sarah ashley emily amanda elizabeth michelle melissa
stephanie nicole laura rebecca rachel hannah lauren samantha megan heather
amy anna emma olivia sophie chloe kate lucy grace maria lisa linda susan karen
julia claire
`);
const JOIN = ['', 'and', '&', 'loves'];
for (const m of MALE) {
    for (const f of FEMALE) {
        for (const j of JOIN) {
            add(m + j + f);
            add(f + j + m);
        }
        add(m + f + 'forever'), add(f + m + 'forever');
    }
}
for (const n of [...MALE, ...FEMALE]) {
    for (const p of ['ilove', 'iloveyou', 'loveyou', 'imissyou', 'mylove', 'iheart']) {
        add(p + n);
        for (const s of ['1', '123', '1234', '!', '4ever', 'forever', '<3']) add(p + n + s);
    }
    for (const s of ['iloveyou', 'loveyou', 'forever', '4ever', 'isthebest', 'isgreat', 'ismylove',
        'mylove', 'lovesme', 'iloveu', 'baby', 'babe']) {
        add(n + s);
        add(n + s + '1');
        add(n + s + '123');
    }
}

/* ------------------------------------------------------------------ */
/* Output.                                                             */
/* ------------------------------------------------------------------ */

function render() {
    const lines = [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const header = [
        '# common-passwords.txt: passwords that Interlude refuses for new accounts and',
        '# password changes (server/auth/password.c; INTERLUDE_COMMON_PASSWORDS).',
        '#',
        '# GENERATED FILE: do not edit by hand. It is made by',
        '#   node scripts/gen-common-passwords.mjs',
        '# which writes the same file every run. Extend the tables in that script.',
        '#',
        '# Contents: common passwords of 12 to 128 characters (shorter ones are',
        '# refused by length anyway), lower-case (the server lower-cases ASCII before',
        '# comparing), deduplicated, sorted by byte value, one per line. Built from',
        '# knowledge of breach corpora: well-known long favourites, keyboard walks',
        '# (QWERTY/AZERTY/QWERTZ rows, columns, zigzags, blocks; keypad), digit and',
        '# letter runs and repeats, a few hundred common words and names plus words',
        '# aimed at this service (therapy, couples, interlude, ...) with the usual',
        '# mutations (digit/symbol suffixes, years 1950-2030, repetition, affixes,',
        '# leetspeak), "ilove..." phrases and couples\' names.',
        '# Lines starting with \'#\' are comments.',
        `# Entries: ${lines.length}`,
    ];
    return header.join('\n') + '\n' + lines.join('\n') + '\n';
}

const here = dirname(fileURLToPath(import.meta.url));
const defaultPath = join(here, '..', 'data', 'common-passwords.txt');
const arg = process.argv[2];
const text = render();
if (arg === '--check') {
    let current = '';
    try {
        current = readFileSync(defaultPath, 'utf8');
    } catch {
        // missing: differs
    }
    if (current !== text) {
        console.error(`${defaultPath} is out of date: run node scripts/gen-common-passwords.mjs`);
        process.exit(1);
    }
} else if (arg === '-') {
    process.stdout.write(text);
} else {
    const path = arg ?? defaultPath;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.error(`${path}: ${out.size} passwords, ${Buffer.byteLength(text)} bytes`);
}
