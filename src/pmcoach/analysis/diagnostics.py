"""Map a diagnostic question to troubleshooting checklist dimensions (DESIGN.md).

Each dimension has a set of cue patterns; a compound question ("only iOS users in
Brazil?") maps to every dimension it asks about. A question that fits none is ``other``.
"""

from __future__ import annotations

import functools
import re

_COUNTRIES = (
    r"usa|uk|u\.k\.|eu|emea|apac|latam|india|texas|california|florida|ohio|georgia|arizona|colorado|illinois|michigan|"
    r"new jersey|massachusetts|pennsylvania|brazil|germany|france|japan|china|"
    r"mexico|canada|indonesia|nigeria|spain|italy|korea|australia|europe|asia|africa|"
    r"north america|south america|latin america|middle east|philippines|vietnam|turkey|"
    r"argentina|egypt|kenya|pakistan|bangladesh|russia|uae|saudi|london|new york|nyc|"
    r"san francisco|sf|chicago|paris|tokyo|delhi|mumbai|sao paulo|são paulo|seattle|"
    r"austin|la|los angeles|toronto|berlin|madrid|jakarta|lagos|emerging markets?"
)

CUES: dict[str, tuple[str, ...]] = {
    "definition": (
        r"\bis (?:that|this|it) (?:the )?(?:raw|total|unique|gross|net|a rolling|calendar)\b", r"\b(?:rolling|calendar) (?:\d+[- ]?)?(?:days?|week|month|windows?)\b", r"\bwhat (?:is|does) (?:a |an |the )?[\"'\u201c]?[\w ]{1,25}[\"'\u201d]? (?:exactly|mean)\b", r"\bdoes (?:\w+ ){0,4}(?:include|exclude)\b", r"\b(?:is|are) (?:\w+ ){0,4}(?:included|excluded|subtracted|deducted)\b", r"\bget (?:subtracted|counted|included|excluded)\b", r"\b(?:is that|is it) (?:1|one) or (?:\d+|ten)\b", r"\bwhen does an? \w+ (?:end|start|count)\b", r"\bmeans? what\b", r"\bpin (?:the metric|it) down\b", r"\braw (?:count|number|events?)\b", r"\b\w+ ?/ ?\w+,? or \w+ ?/ ?\w+", r"\bor (?:raw|total|unique) \w+", r"\bper[- ]user\b.{0,40}\bor\b.{0,20}\btotal\b", r"\b(?:unique|distinct) \w+ (?:saved|counted|per)\b", r"\blogged[- ]in (?:users )?only\b", r"\bcount as well\b", r"\bhow (?:exactly )?is [\"'\u201c]?[\w ]{1,30}[\"'\u201d]? (?:computed|calculated|defined|measured)\b",
        r"\bdefin(?:e|ing|ed)\b", r"\bdoes (?:that|this|it|a|an|the) (?:[\w\"']+ ){0,4}(?:include|count|mean)\b", r"\b(?:still|also) counts?\b", r"\bwhen we say\b", r"\b(?:clear|align) on the metric\b", r"\bunderstand the metric\b", r"\bper (?:account|profile|user|device|household|session) or per\b", r"\babsolute (?:count|number)\b", r"\bor (?:dollar|\$) (?:\w+ )?(?:volume|value)\b", r"\bwhat qualifies\b", r"\bmeans? (?:at least|a mutual|only)\b", r"\bis an? [\"']?\w+[\"']? someone who\b", r"\bsomeone who\b.{0,60}\bor (?:someone|anyone)\b", r"\bdefined the same\b", r"\bcounted in\b", r"\binclude[sd]? (?:\w+ ){0,3}(?:or|and) (?:\w+ ){0,3}(?:only|just)\b", r"\bjust 1:1\b",
        r"\bhow (?:is|are|do we|did we|was) (?:\w+ ){0,3}(?:defined|calculated|computed|measured|counted)",
        r"\bdefinition\b", r"\bdefine[sd]?\b", r"\bwhat counts as\b", r"\bwhat (?:do|does) (?:we|you) (?:mean|count)\b",
        r"\bcounts? as (?:an? )?(?:active|user|session|dau)\b", r"\bchange (?:in|to) (?:the )?(?:metric|how we)\b",
        r"\bmetric (?:definition|change)", r"\bwhat does \w+ (?:mean|measure)\b", r"\bwhat is (?:a |an )?(?:dau|active user|session)\b",
        r"\bhow do we (?:count|measure|calculate)\b", r"\bredefin", r"\bmethodology\b", r"\bformula\b",
        r"\b(?:denominator|numerator)\b", r"\bqualif(?:y|ies) as\b", r"\bdefin?ti?on\b",
        r"\b(?:is|are) (?:\w+ ){0,3}(?:measured|counted|calculated|computed)\b", r"\bcount(?:s|ed)? (?:as|when|only)\b",
        r"\bis an? (?:\w+ )?(?:user|learner|member|order|session|viewer|dau) (?:someone|anyone|counted)\b",
        r"\b(?:gross|net) of\b", r"\bwhat (?:exactly )?(?:metric|number) (?:dropped|is this|are we|exactly|fell)\b", r"\bwhich (?:exact )?metric (?:dropped|is|are|fell)\b",
        r"\bmeasured (?:in|as|by)\b", r"\bhow (?:are|is) (?:\w+ ){0,3}(?:tracked|attributed)\b",
    ),
    "time_period": (
        r"\bsingle[- ]day\b|\bfew weeks\b|\blast (?:24 hours|\d+ days)\b|\blonger window\b|\b\d+-day window\b|\b(?:other|which|what|the) window\b",
        r"\bstart date\b", r"\bwhat date\b", r"\b(?:exact|which|what) day\b", r"\bbegan\b", r"\bbegin\b", r"\bbefore or after\b", r"\bdid it start\b", r"\bstart(?:ed)? this week\b", r"\bover the (?:past|last) (?:two|three|four|few|several|\d+) (?:weeks|days|months)\b", r"\bwhole week\b", r"\blasted\b", r"\bhow long\b",
        r"\bwhen did\b", r"\bwhen (?:was|were|exactly)\b", r"\bwhat (?:time ?frame|timeframe|period|date|day)\b",
        r"\bover what (?:time|period)\b", r"\bhow long\b", r"\bsince when\b", r"\btime (?:period|frame|window|range)\b",
        r"\bwhich (?:day|week|month|date)\b", r"\bstart(?:ed|ing)? (?:on|at|when|date)\b", r"\bwhen it started\b",
        r"\bhow recent", r"\bduration\b",
        r"\bwhen (?:did|does|was) (?:\w+ ){0,3}(?:drop|declin|happen|start|begin|notice)", r"\bwhat (?:time|timeline)\b",
        r"\btimeline\b", r"\bover (?:what|which) (?:time|period|window)", r"\btime ?frame\b", r"\bwh?e?n did\b",
        r"\bsince (?:the )?(?:beginning|start)\b", r"\bsingle day\b", r"\bfull week\b", r"\bwhat (?:\w+ )?window\b",
        r"\bstart(?:ing)? (?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", r"\bwhat day\b",
        r"\bhow many (?:days|weeks)\b", r"\bstart(?:ed)? (?:right )?after\b",

    ),
    "trend": (
        r"\bsnap(?:ped)? back\b|\bquick recovery\b|\bv[- ]shaped?\b|\ba v\b", r"\bshape\b|\bcurve\b|\btaper\w*|\bdrift\w*", r"\bimmediate(?:ly)?\b|\binstant(?:ly)?\b", r"\bone step down\b",
        r"\baccelerat\w*", r"\bdecelerat\w*", r"\berosion\b", r"\bsteep\w*", r"\bslid(?:e|ing)\b",
        r"\bsudden(?:ly)?\b", r"\bgradual(?:ly)?\b", r"\bovernight\b", r"\bslow(?:ly)? (?:decline|drop|trend|erosion|bleed)",
        r"\bsteady\b", r"\btrend(?:ing)?\b", r"\babrupt(?:ly)?\b", r"\bsharp(?:ly)?\b", r"\bstep (?:change|drop|function)\b",
        r"\bcliff\b", r"\ball at once\b", r"\bover time\b",
        r"\bcontinu(?:e|ing|ous)\b.{0,20}\b(?:drop|declin|fall)", r"\bstill (?:dropping|declining|falling|going)\b",
        r"\brecover(?:ed|ing|y)?\b", r"\bbounce(?:d)? back\b", r"\bshape of\b", r"\bgradient\b", r"\bplateau",
        r"\bhappen(?:ed)? (?:quickly|slowly|fast)\b", r"\bquick or slow\b", r"\bsudden or\b", r"\bstabili[sz]",
        r"\btemporary\b", r"\bblip\b", r"\bpersist", r"\bstill (?:ongoing|going on|happening)\b", r"\bongoing\b",
        r"\bflatten(?:ed|ing)?(?: out)?\b", r"\bfall off\b", r"\bfell off\b", r"\bsmooth\b", r"\bstep[- ]change\b",
        r"\bbottom(?:ed)? out\b", r"\bgetting worse\b", r"\bkeep (?:dropping|falling)\b",
    ),
    "seasonality": (
        r"\b(?:a )?year ago\b", r"\bprior years?\b", r"\blast year'?s\b",
        r"\btime of (?:the )?year\b", r"\blast yr\b", r"\brecurring\b", r"\bend[- ]of[- ](?:the[- ])?month\b", r"\bsame period\b", r"\bin (?:19|20)\d\d\b", r"\bnormally see\b", r"\blike every year\b", r"\bchinese new year\b", r"\bseasonal\w*",
        r"\bseason(?:al|ality)?\b", r"\byear[- ]over[- ]year\b", r"\byoy\b", r"\by/y\b", r"\bsame (?:time|period|week|month) last year\b",
        r"\blast year\b", r"\bholiday(?:s)?\b", r"\bchristmas\b", r"\bthanksgiving\b", r"\bsummer\b", r"\bwinter\b",
        r"\bback[- ]to[- ]school\b", r"\bschool (?:year|holidays?|break)\b", r"\bnew year", r"\bramadan\b", r"\bdiwali\b",
        r"\bweekly (?:cycle|pattern)\b", r"\bcyclical\b", r"\bevery year\b", r"\bannual(?:ly)? pattern\b", r"\bprevious years?\b",
        r"\bhistorical(?:ly)?\b", r"\bnormal (?:pattern|dip|fluctuation)\b", r"\bexpected (?:dip|drop)\b", r"\bperiodic\b",
        r"\bblack friday\b", r"\bprime day\b", r"\bvacation", r"\bspring break\b", r"\blunar new year\b",
        r"\bend of (?:the )?(?:year|quarter)\b", r"\bweek over week\b", r"\bwow\b", r"\bmonth over month\b", r"\bcompared to (?:the )?prior year\b", r"\bsequential\b",
        r"\busually see\b", r"\bevery (?:august|september|december|january|summer|winter|spring|fall|autumn|week|weekend)\b",
        r"\bwhen school (?:starts|ends)\b", r"\blate (?:august|december)\b", r"\bsame (?:dip|drop|pattern) (?:last|every)\b",
    ),
    "geography": (
        r"\bnortheast\b|\bsouthwest\b|\bmidwest\b|\bwest coast\b|\beast coast\b|\bsoutheast asia\b|\basian\b|\beuropean\b|\bhemisphere\b|\b\w+-language\b", r"\b(?:our|big|biggest|largest|asian|european|southern|northern|new|newer|older|mature|smaller) (?:\w+ )?markets\b", r"\bmarkets? (?:we|where)\b",
        r"\bgeo(?:graph(?:y|ies|ic|ical)|s)?\b", r"\bcountr(?:y|ies)\b", r"\bregion(?:s|al)?\b",
        r"\b(?:which|what|some|certain|specific|particular|all|other|emerging|key|each|every|by|top|international|local|same|those|these|one|two) markets?\b",
        r"\bcit(?:y|ies)\b", r"\blocal(?:e|es|ly)?\b", r"\binternational(?:ly)?\b", r"\bglobal(?:ly)?\b", r"\bdomestic\b",
        r"\bwhere\b(?= (?:is|was|did|are|were|geographically|exactly|in the world))(?! (?:is|was|are|were) (?:the )?(?:drop|it) (?:in|within) the (?:funnel|journey|flow|app))",
        r"\blocation", r"\b(?:us|which|some|certain|all|the|other) states\b", r"\bworldwide\b",
        rf"\b(?:{_COUNTRIES})\b", r"(?-i:\bUS\b|\bU\.S\.)", r"\blanguages?\b", r"\burban\b", r"\brural\b", r"\bmetro",
    ),
    "data_quality": (
        r"\bdedup\w*", r"\btime ?zone\b.{0,40}\b(?:report|cutoff|pipeline|logging|dashboard)\w*|\butc\b", r"\bevent schema\b|\bschema change\w*", r"\b(?:send|sends|fire|fires|emit|emits)\b.{0,20}\bevents?\b", r"\bevents?\b.{0,30}\b(?:arriv\w* late|late[- ]arriv\w*|delayed|missing|(?:getting |being )?dropped)\b", r"\bdata (?:eng|engineering|team)\b", r"\bmissing data\b|\bpartitions?\b|\bnever landed\b", r"\btracking (?:bug|issue|change|code|pixel|events?|plan|broke\w*)\b|\b(?:broken|bad) tracking\b", r"\banalytics events?\b",
        r"\bcross[- ]check\w*", r"\banother source\b", r"\bsource of truth\b", r"\bbackfill\w*", r"\bdata\b.{0,30}\bcomplete\b", r"\bdata outage\b", r"\bfinance (?:tables|data|numbers)\b", r"\bstill (?:coming|arriving|landing)\b", r"\btest accounts\b", r"\bevent tracking\b",
        r"\bdata (?:quality|issue|problem|error|glitch|bug|pipeline|integrity|accuracy|correct|reliab|clean|delay|lag|gap)",
        r"\blogging\b", r"\blogs\b(?! show)", r"\binstrument(?:ation|ed)?\b", r"\bpipeline",
        r"\bdashboards? (?:bug|issue|error|broken|wrong|change|query|queries)\w*|\b(?:broken|wrong|stale) dashboards?\b", r"\breal (?:drop|decline|change)\b", r"\bnumbers? (?:are |is )?(?:right|correct|accurate|real|wrong)",
        r"\bartifact\b", r"\bmeasurement (?:error|issue|problem|change)", r"\breporting (?:issue|error|bug|problem|change|delay)",
        r"\bdouble[- ]count", r"\bunder[- ]count", r"\bover[- ]count", r"\bmis[- ]?count", r"\bsdk\b", r"\bevents? (?:firing|missing|dropped)",
        r"\bfir(?:e|ing) (?:correctly|properly)", r"\bdata (?:is|are) (?:right|correct|accurate|reliable|clean|valid)",
        r"\bcan we trust\b", r"\bsanity[- ]check", r"\btelemetry\b", r"\betl\b", r"\bbot(?:s| traffic)?\b", r"\bfake (?:accounts|traffic)",
        r"\btagging\b", r"\banalytics (?:bug|issue|change)\b", r"\bdata\b.{0,25}\b(?:wrong|broken|missing|off|accurate|reliable|trust)",
        r"\bsure (?:the|this|it) (?:is|'s) (?:real|accurate)", r"\bfalse alarm\b", r"\bverify (?:the )?(?:data|numbers|metric)",
        r"\bnumbers right\b", r"\bmetric (?:is )?(?:broken|wrong)\b", r"\bglitch\b", r"\bnumbers (?:real|accurate|trustworthy)",
    ),
    "platform": (
        r"\bsmart speakers?\b|\bspeakers?\b|\balexa\b|\bsonos\b|\bwearables?\b|\bipados\b", r"\bbrowser version\b",
        r"\bplatforms?\b", r"\bios\b", r"\biphones?\b", r"\bipads?\b", r"\bandroid\b", r"\bdesktop\b", r"\bweb\b", r"\bmweb\b",
        r"\bmobile\b(?! (?:carrier|network|data|operator|gaming|games|game))", r"\bapps? vs\.? web\b", r"\bbrowsers?\b", r"\bchrome\b", r"\bsafari\b", r"\btablets?\b", r"\bsmart ?tvs?\b",
        r"\btv\b(?! ads)(?! campaign)", r"\bconsoles?\b", r"\bcarplay\b", r"\bandroid auto\b", r"\bdevices?\b", r"\bos\b", r"\boperating system",
        r"(?-i:\bWindows\b)", r"\bmac(?:os)?\b", r"\blinux\b", r"\bwatchos\b", r"\bapple watch\b", r"\bsmartwatch\w*", r"\bnative app\b", r"\broku\b",
        r"\bsamsung\b", r"\bpixel (?:phones?|\d+)\b|\bgoogle pixel\b",
    ),
    "app_version": (
        r"\bapp vers?\b", r"\b(?:windows|ipados|macos|ios|android) ?\d+\b", r"\b\d+\.\d+ (?:release|build|version|update)\b", r"\bforce[- ]?updat\w*",
        r"\bapp ver\b", r"\b(?:newest|latest|new|old|older|specific|one|last|previous|particular) (?:app |ios |android )?(?:release|build|version)s?\b", r"\bhaven'?t updated\b", r"\bupdated? (?:the |their )?app\b",
        r"\bapp versions?\b", r"(?<!browser )\bversions?\b", r"\bbuilds?\b", r"\brelease (?:number|version|train)\b", r"\bv\d+(?:\.\d+)*\b",
        r"\b\d+\.\d+\.\d+\b", r"\bos versions?\b", r"\bios \d+\b", r"\bandroid \d+\b", r"\bolder (?:versions?|phones|devices|clients)",
        r"\blatest (?:version|release|build|update)\b", r"\bnew version\b", r"\bapp update\b", r"\bupdated? (?:the )?app\b",
        r"\bforced? upgrade\b", r"\bhaven'?t upgraded\b|\bupgraded (?:the )?app\b|\bupgrade to (?:the )?(?:new|latest)\b", r"\bclient versions?\b", r"\bhotfix\b",
    ),
    "industry": (
        r"\bother [\w\s-]{0,25}(?:publishers|retailers|banks|airlines|brokers|marketplaces|networks|platforms|services|apps|companies|players|sites)\b", r"\bwhole (?:[\w-]+ ){0,3}(?:industry|industy|market|space|sector|category)\b", r"\bin the same boat\b", r"\bus[- ]specific\b|\bor (?:just|only) us\b", r"\b(?:an? )?us (?:problem|thing|issue)\b|\bmarket (?:problem|thing|issue)\b|\bdown overall\b", r"\boverall [\w ]{0,20}market\b",
        r"\bother [\w\s-]{0,25}(?:apps|services|sites|companies|platforms|players|marketplaces|networks|brands)\b.{0,30}\b(?:also|too|seeing|see|similar|same)\b", r"\bbroader\b", r"\beveryone in\b", r"\bcategory\b", r"\ball [\w-]+ (?:companies|apps|players|platforms)\b", r"\bour share\b", r"\bshare of the\b",
        r"\bindustry\b", r"\bmarket share\b", r"\bsector\b", r"\bcategory[- ]wide\b", r"\bmarket[- ]wide\b", r"\bwhole (?:market|category|industry)\b",
        r"\bother (?:companies|apps|players|platforms|social networks|services)\b", r"\bindustry[- ]wide\b", r"\bmacro trend",
        r"\bsecular\b", r"\beveryone (?:else )?(?:in the|is)\b", r"\bshift in (?:consumer|user) behavio",
        r"\bacross the (?:industry|market|category)\b", r"\bpeers?\b", r"\bbenchmarks?\b", r"\bsimilar (?:apps|companies|products)\b",
        r"\bapp store (?:trends|rankings)\b", r"\bcategory (?:trend|decline|growth)\b", r"\bmarket (?:trend|decline|shrink|contract)",
        r"\bthird[- ]party (?:data|reports?)\b", r"\bas a whole\b", r"\bacross the board\b", r"\bcooling\b",
        r"\b(?:us|just us) or (?:the )?(?:market|industry|everyone)\b", r"\b(?:whole|entire|overall) market\b", r"\bmarket (?:is|was) (?:shrinking|declining|down)\b", r"\bin the space\b",
        r"\bcompetitors? (?:also |are |is )?(?:seeing|see|seen|experiencing|having) (?:the )?same\b", r"\bdemand (?:is )?down\b",
        r"\b(?:overall|total) (?:market|demand)\b", r"\bother (?:delivery|streaming|social|dating|travel|ride|learning|music) (?:apps|services|companies)\b",
    ),
    "competitor": (
        r"\bstartups?\b", r"\bnew (?:app|player|rival|service|entrant)s?\b(?! version)", r"\b(?:take|took|taking|stealing|steal) share\b", r"\bswiggy\b|\bzomato\b|\bgojek\b|\bundercut\w*",
        r"\bcompeti\w*", r"\bdoordash\b", r"\bbolt\b", r"\bgrab\b", r"\bdidi\b", r"\bdeliveroo\b", r"\bexpedia\b", r"\bpeacock\b", r"\bparamount\b", r"\btinder\b", r"\bbumble\b", r"\bhinge\b", r"\benter(?:ed|s|ing)? the market\b", r"\brivals?\b", r"\bnew (?:entrant|player)s?\b", r"\bentrants?\b",
        r"\btiktok\b", r"\bsnapchat\b", r"\bmicrosoft\b", r"\blyft\b", r"\bvrbo\b", r"\bbooking\.com\b", r"\buber ?eats\b", r"\bgrubhub\b",
        r"\binstacart\b", r"\bdisney\+?\b", r"\bhbo\b", r"\bhulu\b", r"\bapple music\b", r"\btelegram\b", r"\bsignal app\b",
        r"\bimessage\b", r"\bmicrosoft teams\b", r"\bdiscord\b", r"\bnextdoor\b", r"\bcraigslist\b", r"\bebay\b", r"\boffer ?up\b",
        r"\bwaymo\b", r"\bwaze\b", r"\bapple maps\b", r"\bbabbel\b", r"\bwalmart\+?\b", r"\btemu\b", r"\bshein\b", r"\bamazon\b",
        r"\bbluesky\b", r"\bindeed\b", r"\bglassdoor\b", r"\bzoom\b",
        r"\bgoogle meet\b", r"\bchatgpt\b", r"\bsomeone else\b", r"\balternatives?\b", r"\bswitch(?:ed|ing)? to\b",
        r"\bother (?:app|apps|services?) (?:launch|did)", r"\bcompeting\b",
    ),
    "environment": (
        r"\binterest rates?\b|\bstock market\b|\bblackout\b|\bheat ?wave\b", r"\bnew (?:\w+ )?(?:rules|law|laws|regulations?)\b", r"\b(?:fuel|gas|energy) prices?\b",
        r"\bregulat(?:ion|ions|ory|or|ors)\b", r"\blaws?\b", r"\blegal\b", r"\bgovernment\b", r"\bban(?:ned|s)?\b",
        r"\bpolicy (?:change|changes)\b(?! internally)", r"\bgdpr\b", r"\bdma\b", r"\bftc\b", r"\bprivacy (?:law|rules|regulation)",
        r"\bholiday(?:s)?\b", r"\b(?:big|major|external|news|sporting|sports|world|cultural|political|local|special|one-off|public) events?\b",
        r"\bnews\b", r"\bpandemic (?:boom|bump|surge)\b", r"\belection", r"\bstrikes?\b", r"\bprotests?\b", r"\bweather\b",
        r"\bstorms?\b", r"\bhurricane", r"\bsnow", r"\bheat ?wave", r"\bfloods?\b", r"\bearthquake", r"\bpandemic\b", r"\bcovid\b",
        r"\blockdown", r"\bwar\b", r"\bmacro(?:economic)?\b", r"\beconom(?:y|ic)\b", r"\brecession\b", r"\binflation\b",
        r"\bexternal (?:event|factor|shock)s?\b", r"\bworld cup\b", r"\bsuper ?bowl\b", r"\bolympics\b", r"\bsports? event",
        r"\binternet (?:outage|shutdown)", r"\bisp\b", r"\bcarrier\b", r"\bnetwork outage\b", r"\bpower outage\b",
        r"\bapple'?s? (?:att|privacy)", r"\batt\b", r"\bapp store polic", r"\bcensor", r"\btax(?:es)?\b", r"\bcurrency\b",
        r"\bgas prices?\b", r"\bfuel prices?\b", r"\bschool closures?\b", r"\bstrike\b", r"\bcrisis\b",
        r"\banything (?:happen|going on) in the world\b", r"\boutside (?:world|factors?)\b", r"\bexternal(?:ly)? (?:event|factor|shock|condition)s?\b",
    ),
    "marketing": (
        r"\breferral bonus(?:es)?\b", r"\bbidding\b", r"\bcampai?gns?\b|\bcampain\w*", r"\braised? (?:our )?(?:prices|fees)\b|\bprice (?:increase|hike|change)\b",
        r"\b(?:tv|radio|billboard|ooh|social|display|video|paid) ads\b", r"\bminimum order\b", r"\bfree delivery\b", r"\bdelivery fees?\b", r"\bfee increase\b",
        r"\bmarketing\b", r"\bad spend\b", r"\bspend\b", r"\b(?:marketing|ad|ads|promo|campaign|acquisition) budgets?\b|\bbudget (?:cut|change)\w*", r"\bcampaigns?\b", r"\bpromo(?:tion|tions|s|tional)?\b",
        r"\bpric(?:e|es|ing)\b", r"\bdiscounts?\b", r"\bcoupons?\b", r"\bincentives?\b", r"\bpaid (?:ads|media|marketing)\b", r"\bacquisition spend\b",
        r"\buser acquisition\b", r"\bbrand\b", r"\badvertis(?:ing|ements?)\b", r"\bsales (?:team|strategy|push)\b",
        r"\bgo[- ]to[- ]market\b", r"\bgtm\b", r"\bsubscription (?:price|fee)", r"\bfees?\b", r"\bcommission\b", r"\bfree trial\b",
        r"\boffers?\b", r"\bsponsor", r"\bperformance marketing\b", r"\bcut (?:back )?(?:on )?(?:spend|marketing|ads)\b",
        r"\bpr\b", r"\bpress\b", r"\binfluencers?\b", r"\bpartnerships?\b", r"\breferral bonus\b",
    ),
    "tech_change": (
        r"\b(?:did|have|has) we (?:just )?(?:release|ship|push|roll|launch|deploy)\w*", r"\branked\b", r"\blauch\w*", r"\brelease log\b|\bincident log\b", r"\bforce[- ]?updat\w*",
        r"\brecommendation (?:model|algorithm|system|engine)\b", r"\bswap(?:ped)? out\b", r"\bmigrat\w*", r"\bswitch(?:ed)? (?:\w+ )?vendors?\b", r"\b(?:went|go|goes|gone) out\b", r"\bpush(?:ed)? (?:a |an |the )?(?:new )?(?:\w+ )?(?:release|build|version|update)\b", r"\bnew release\b", r"\bdid we add\b", r"\bsearch ranking\b", r"\bdispatch algorithm\b",
        r"\brelease[sd]?\b", r"\blaunch(?:es|ed)?\b", r"\bship(?:ped)?\b", r"\bdeploy(?:ed|ment|s)?\b", r"\bbugs?\b", r"\bbuggy\b",
        r"\b(?<!network )(?<!internet )(?<!power )outages?\b", r"\bdowntime\b", r"\bincident", r"\bredesign", r"\bnew (?:\w+ )?(?:feature|ui|design|flow|screen|experience)\b",
        r"\bchange(?:d|s)? (?:to|in) (?:the )?(?:product|app|ui|feed|ranking|algorithm|code|backend|flow|onboarding|notification)",
        r"\bdid we change\b", r"\bchanges? (?:we|on our side|internally)\b", r"\bwe (?:change|changed|make|made|push|pushed)\b",
        r"\bexperiments?\b", r"\ba/?b tests?\b", r"\btests? (?:running|live|launched)\b", r"\balgorithm", r"\branking\b",
        r"\bmodel (?:change|update)", r"\bapi\b", r"\bbackend\b", r"\bserver", r"\binfra(?:structure)?\b", r"\bcode (?:change|push)",
        r"\bfeature flags?\b", r"\brollout\b", r"\broll(?:ed)? out\b", r"\bregression\b", r"\bbroken\b", r"\bbreak\b", r"\bcrash(?:es|ing)?\b",
        r"\berrors?\b", r"\blatency\b", r"\bslow(?:er)? (?:load|page|app)", r"\bperformance (?:issue|problem|regression)",
        r"\bupdate(?:s|d)? (?:to|on) (?:our|the)\b", r"\binternal (?:change|changes|factors?)\b", r"\bon our (?:end|side)\b",
        r"\bnotification (?:change|bug|system)", r"\bpush (?:notifications? )?(?:bug|broke|change)", r"\bsomething (?:we did|changed)\b",
        r"\bproduct changes?\b", r"\banything (?:new )?(?:change|shipped|launched)\b", r"\bchang(?:e|es|ed) anything\b",
        r"\bdeprecat", r"\bremov(?:e|ed) (?:any|a|the) feature", r"\bsunset",
    ),
    "segment": (
        r"\bnew[- ]users?\b", r"\b(?:dormant|lapsed|churned|inactive|returning|reactivated|paying|long[- ]tenured|tenured) (?:users|customers|members|subscribers)\b", r"\bnew sign[- ]?ups\b", r"\bmale\b|\bfemale\b", r"\bheavy \w+ or light\b|\bheavy (?:\w+ )?(?:users|savers|listeners|buyers|sellers)\b|\blight ones\b", r"\bdashers\b|\bconsumers\b|\bshoppers\b|\blisteners\b|\bplayers\b",
        r"\btravell?ers\b", r"\brestaurants\b", r"\bcouriers\b", r"\bfirst[- ]time \w+", r"\bprice[- ]sensitive\b", r"\b(?:driver|rider|seller|buyer|host|guest|creator|viewer|supply|demand) side\b", r"\bexisting\b",
        r"\bsegments?\b", r"\bnew (?:vs\.? |versus |or )?(?:existing|old|returning)\b", r"\bnew users?\b", r"\bexisting users?\b",
        r"\breturning users?\b", r"\bpower users?\b", r"\bcasual users?\b", r"\bheavy users?\b", r"\blight users?\b",
        r"\bcohorts?\b", r"\bdemographic", r"\bage (?:group|bracket|band)s?\b", r"\bteens?\b", r"\byoung(?:er)?\b", r"\bolder users?\b",
        r"\bgender\b", r"\bfree (?:vs\.? |or )?(?:paid|premium)\b", r"\bpaid (?:users|members|subscribers|tier)\b", r"\bfree (?:users|tier|plan)\b",
        r"\bsubscribers?\b", r"\b(?:enterprise|smb|small business)", r"\btype of (?:user|customer|member)s?\b", r"\buser types?\b",
        r"\bcustomer types?\b", r"\bnew (?:learners|drivers|riders|sellers|buyers|hosts|guests|members|creators|customers|subscribers|visitors)\b", r"\bcreators?\b", r"\bsellers?\b", r"\bbuyers?\b", r"\bhosts?\b", r"\bguests?\b", r"\bdrivers\b", r"\bdriver (?:app|side|supply|earnings|churn)\b",
        r"\briders\b", r"\bmerchants?\b", r"\badmins?\b", r"\blurkers?\b", r"\bcontributors?\b", r"\blearners?\b",
        r"\bwho (?:is|are) (?:dropping|leaving|affected)\b", r"\bwhich users\b", r"\ball users\b", r"\bevenly across (?:users|all users)\b",
        r"\btenure\b", r"\bpersonas?\b", r"\btiers?\b", r"\b(?:pricing|subscription|paid|free|family|business|enterprise|premium|team|individual) plans?\b", r"\bkids?\b", r"\bprofiles?\b", r"\bfamil(?:y|ies)\b",
        r"\bstudents?\b", r"\bbusiness(?:es)? (?:accounts|users)\b",
    ),
    "channel": (
        r"\bfeatur(?:ing|ed)\b", r"\b(?:facebook|google|meta|tiktok|snap|apple search|instagram|youtube) ads\b", r"\bpaid spend\b", r"\bfrom organic\b|\borganic (?:share|traffic|installs|users)\b", r"\blanding from\b",
        r"\binstall sources?\b", r"\bpaid (?:acquisition|installs?|users|traffic|social)\b", r"\breferral links?\b", r"\bfrom paid\b", r"\btraffic from them\b", r"\bsitemap\b",
        r"\bchannels?\b", r"\btraffic (?:source|sources|channel|mix)\b", r"\bacquisition (?:channel|source)s?\b", r"\borganic\b",
        r"\bpaid (?:search|traffic|channels?)\b", r"\bseo\b", r"\bsem\b", r"\bsearch (?:traffic|engines?)\b", r"\bsearch engine results\b",
        r"\bgoogle (?:search|ranking|traffic)", r"\breferral(?:s)?\b", r"\bdirect (?:traffic|visits|navigation)\b",
        r"\bemails?\b", r"\bnewsletters?\b", r"\bpush notifications?\b", r"\bnotifications?\b", r"\bsms\b", r"\bdeep ?links?\b",
        r"\bexternal links?\b", r"\bapp store (?:search|featuring|listing|traffic|installs?)\b", r"\bfrom the (?:app|play) store\b", r"\baso\b", r"\bwhere (?:do|did) (?:users|people|they) come from\b",
        r"\binbound\b", r"\bentry points?\b", r"\bsources? of (?:traffic|users|visits)\b", r"\bsocial (?:traffic|referrals)\b",
        r"\baffiliates?\b", r"\bpartner (?:traffic|integrations?)\b", r"\bfeatur(?:e|ed|ing) us\b", r"\bpush traffic\b", r"\bpaid social\b", r"\breferral program\b", r"\btraffic from\b",
        r"\bsending us (?:less|fewer|more)\b", r"\bhow (?:do|did) (?:users|people) (?:arrive|get here|find us)\b",
    ),
    "funnel_step": (
        r"\bfewer [\w-]+(?: [\w-]+){0,2},? or (?:are )?(?:fewer|just|only)\b", r"\bdrop between\b|\bbetween (?:\w+ ){1,2}and (?:\w+ ){1,2}(?:view|page|step|screen)\b", r"\bwhere (?:people|users|they) (?:drop|fall|leave|abandon)\w*", r"\bconversions? (?:from|at|on)\b|\bconverting\b|\bonce they land\b", r"\b(?:about|at|during|in) (?:the )?(?:sign[- ]?up|signup|checkout|onboarding|login|payment)\b", r"\bnot (?:requesting|accepting|booking|buying|ordering|converting|completing|finishing|clicking)\b", r"\b(?:checkout|payment|signup|sign-up|login|search) page\b",
        r"\bat (?:the )?(?:sign[- ]?up|checkout|booking|login|payment|onboarding|search|request)\b", r"\bfirst lesson\b", r"\b(?:search|view|visit|click|cart|listing|install|signup|sign-up|browse|session|request|match|message|impression)[- ]to[- ]\w+\b", r"\breaching\b", r"\bwhere (?:people|users) are dropping\b", r"\bdropping (?:off )?(?:at|during)\b", r"\bonly at\b", r"\bother steps\b", r"\bstep to\b",
        r"\bfunnel\b", r"(?<!% )(?<!one )(?<!one-time )\bsteps?\b(?![- ]change)(?![- ]function)(?! down)", r"\bstart(?:ing)? .{0,30} or .{0,20}finish",
        r"\babandon", r"\bgetting stuck\b", r"\bstuck at\b", r"\bfinish(?:ing)? (?:sign[- ]?up|onboarding|checkout|a lesson|the flow)\b", r"\bstages?\b", r"\bjourney\b", r"\bflow\b", r"\bonboarding\b", r"\bsign[- ]?up (?:flow|step|page)",
        r"\bcheckout\b", r"\bcart\b", r"\bpayment (?:step|page|flow)", r"\bconversion step\b", r"\bdropping out (?:during|at)\b",
        r"\bduring (?:the )?(?:\w+ )?(?:checks?|verification|sign[- ]?up|onboarding|checkout)\b",
        r"\b(?:search|checkout|login|log-in|sign[- ]?up|payment|home|landing|results|listing|product|cart) (?:page|screen|step)\b", r"\bdrop[- ]?off\b",
        r"\bwhere in the\b", r"\bwhich (?:step|stage|part of the)\b", r"\blanding page\b", r"\bsearch results? page\b",
        r"\bfirst (?:session|screen|step)", r"\bftux\b", r"\blog[- ]?in (?:step|page|flow|screen)", r"\bregistration (?:step|flow|form)",
        r"\bactivation\b", r"\brequest (?:step|a ride)\b", r"\bbooking (?:step|flow|page)\b", r"\bcompletion rates?\b",
        r"\btop of (?:the )?funnel\b", r"\bbottom of (?:the )?funnel\b", r"\bstep by step\b", r"\bwhat part of\b",
    ),
    "related_metrics": (
        r"\b\w+ (?:flat|up|steady) while\b", r"\bengagement (?:metrics|numbers|rate|also|too)\b|\b(?:overall|total) engagement\b",
        r"\b(?:also|too) (?:down|up|drop|fall|declin|trending|seeing|sending|see)\w*", r"\b(?:down|up|dropped|fell|declined|changed|moved) (?:as well|too)\b", r"\bsearch volume\b", r"\bdrivers online\b", r"\b(?:likes|comments|sessions|trips|orders) (?:and \w+ )?(?:are |were )?(?:down|drop)",
        r"\bother metrics?\b", r"\brelated metrics?\b", r"\bsecondary metrics?\b", r"\bdownstream\b", r"\bupstream\b",
        r"\bsessions? (?:per user|count)?\b", r"\btime spent\b", r"\brevenue\b", r"\bmau\b", r"\bwau\b", r"\bretention\b",
        r"\bother (?:products?|surfaces?|features?|apps?)\b", r"\bsibling (?:products?|apps?)\b",
        r"\b(?:did|do|does|have) (?:any )?(?:other|related)\b", r"\balso (?:drop|decline|fall|go down|change|move)",
        r"\bmoved? (?:too|as well|together)\b", r"\bmain app\b", r"\bcore app\b",
        r"\bmessenger\b", r"\bfacebook app\b", r"\binstagram\b", r"\bwhatsapp\b", r"\bnews ?feed\b", r"\bpartial metrics?\b",
        r"\bcounterpart\b", r"\bat the same time\b", r"\bother kpis\b",
        r"\bwhat else (?:dropped|changed|moved)\b", r"\baverage order value\b", r"\baov\b", r"\bbasket size\b",
        r"\borders per user\b", r"\b(?:sessions|messages|orders|posts|bookings) and (?:\w+ ){0,2}(?:sessions|messages|orders|posts|bookings|sent)\b",
        r"\bboth (?:fall|fell|drop|dropped|decline)\b", r"\bholding (?:steady|up)\b", r"\b(?:impressions|clicks|orders|bookings|messages|posts) (?:drop|also|too)",
    ),
    "user_feedback": (
        r"\btwitter\b|\bon x\b", r"\bcs contact\b|\bcontact rate\b", r"\bwriting in\b|\bto support\b|\bcontact(?:ing)? support\b",
        r"\btweet\w*", r"\bescalations?\b", r"\bpushback\b", r"\bposting about\b", r"\bcomplain\w*",
        r"\bfeedback\b", r"\bcomplain(?:t|ts|ing)?\b", r"\breviews?\b", r"\bratings?\b", r"\bsupport (?:tickets?|requests?|contacts?|volume|team)",
        r"\btickets?\b", r"\bcustomer (?:service|support|care)\b", r"\bcs (?:tickets|team)\b", r"\btwitter (?:chatter|complaints)",
        r"\bsurveys?\b", r"\buser research\b", r"\bon social media\b", r"\bsocial media (?:posts|chatter|complaints|mentions)\b", r"\bthreads about\b", r"\bsentiment\b", r"\buxr\b", r"\bnps\b", r"\bcsat\b", r"\bapp store (?:reviews?|ratings?)\b",
        r"\bplay store\b", r"\bwhat (?:are )?users (?:are )?saying\b", r"\busers? say(?:ing)?\b", r"\bforums?\b", r"\breddit threads?\b",
        r"\bchatter\b", r"\bbacklash\b", r"\buproar\b", r"\bangry\b", r"\bunhappy\b", r"\binterview (?:some )?users\b", r"\bvoc\b",
    ),
}

OTHER = "other"


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((dim, re.compile("|".join(f"(?:{c})" for c in cues), re.I)) for dim, cues in CUES.items())


def classify(question: str) -> list[str]:
    """Dimensions the question asks about, sorted; ``['other']`` when none fits."""
    q = question.strip()
    if not q:
        return [OTHER]
    found: list[str] = []
    for dim, rx in _compiled():
        if rx.search(q):
            found.append(dim)
    found = _prune(q, found)
    return sorted(found) if found else [OTHER]


def classify_with_spans(question: str) -> list[tuple[str, str]]:
    """(dimension, the words that signalled it), for explanations and evidence."""
    out = []
    for dim, rx in _compiled():
        m = rx.search(question)
        if m:
            out.append((dim, m.group(0)))
    keep = set(_prune(question, [d for d, _ in out]))
    return [(d, w) for d, w in out if d in keep]


_TECH_SPECIFIC = re.compile(
    r"\b(?:releas|launch|ship|deploy|bug|outage|redesign|feature|experiment|a/?b|test|algorithm|ranking|api|"
    r"backend|server|crash|error|broke|updat|rollout|roll(?:ed)? out|code|flag|ui|flow|infra|regression|"
    r"downtime|incident|deprecat|sunset|remov|push(?:ed)?|went out|go out|migrat|swap|model|add|page|screen|"
    r"layout|design|button|br(?:oke|eak)s? (?:the|our|something|checkout|payment))\w*",
    re.I,
)
_SEASONAL_HOLIDAY = re.compile(r"\b(?:holiday|christmas|thanksgiving|summer|winter|ramadan|diwali|new year)", re.I)


def _prune(q: str, found: list[str]) -> list[str]:
    """Resolve cues that belong to two dimensions by the rest of the question."""
    s = set(found)
    low = q.lower()
    # "holiday" is seasonality when compared across years, environment when it is a one-off event
    if {"seasonality", "environment"} <= s:
        env_only = _compiled_env_without_holiday().search(q)
        if not env_only and _SEASONAL_HOLIDAY.search(q):
            s.discard("environment")
    # "release"/"version" together: a specific build is app_version; keep tech_change only with its own cue
    if {"app_version", "tech_change"} <= s:
        tc = _compiled_tech_without_release().search(q)
        if not tc:
            s.discard("tech_change")
    # "last week" alone only dates a comparison in a seasonality question
    if {"time_period", "seasonality"} <= s and not re.search(
        r"\bwhen\b|\bhow long\b|\bperiod\b|\btime ?frame|\btimeline\b|\bstart date\b|\bwindow\b", low
    ):
        s.discard("time_period")
    # "notifications" is channel, unless the question is about a change or bug in them
    if {"channel", "tech_change"} <= s and re.search(r"notification", low) and not re.search(
        r"\b(?:traffic|channel|source|email|seo|organic|referral|paid)\b", low
    ):
        s.discard("channel")
    # "conversion" is a funnel question unless other metrics are the subject
    if {"related_metrics", "funnel_step"} <= s and not re.search(
        r"\bother\b|\balso\b|\btoo\b|\bas well\b|\brelated\b|\bdownstream\b|\bsame\b", low
    ):
        s.discard("related_metrics")
    # a back-reference ("in that country") is context for another question, not a cut
    if "geography" in s and len(s) > 1 and re.search(r"\b(?:in|across) (?:that|this|the) (?:country|city|region|market|area)\b", low) \
            and not re.search(rf"\b(?:{_COUNTRIES})\b|\bregions\b|\bcountries\b|\bmarkets\b", low):
        s.discard("geography")
    # an ISP, carrier or data outage is not our release
    if "tech_change" in s and re.search(r"\b(?:isp|carrier|network|internet|power|data) (?:or [\w ]+ )?outage", low) \
            and not re.search(r"\b(?:releas|ship|deploy|launch|bug|redesign|experiment)\w*", low):
        s.discard("tech_change")
    # "errors"/"crash" in a data-quality question are about data
    if {"data_quality", "tech_change"} <= s and not re.search(
        r"\b(?:release|launch|ship|deploy|redesign|feature|experiment|test|change|bug in the app|outage|update|migrat|switch|swap|vendor|backend)\w*", low
    ):
        s.discard("tech_change")
    _ours = re.search(r"\b(?:we|our|us|ours)\b", low)
    # "are competitors seeing the same dip?" asks about the industry
    if {"industry", "competitor"} <= s and re.search(r"competitors? (?:also |are |is )?(?:seeing|see|seen|experiencing|having) (?:the )?same", low):
        s.discard("competitor")
    if {"industry", "trend"} <= s and re.search(r"\bsame trend\b", low):
        s.discard("trend")
    # "a competitor launched X" is theirs, "undercut our fees" is theirs too
    if "competitor" in s and re.search(r"\b(?:competitor|rival)s?\b.{0,30}\b(?:launch|releas|ship)\w*", low):
        s.discard("tech_change")
    if "competitor" in s and re.search(r"\bundercut\w*|\bmatch(?:ed)? our\b", low):
        s.discard("marketing")
    # ad platforms named as channels are not rivals
    if "competitor" in s and re.search(r"\b(?:tiktok|google|facebook|meta|snap|snapchat|reddit|youtube|instagram) ads\b", low):
        s.discard("competitor")
    # fuel or energy prices are the environment, not our pricing; strikes are not a segment
    if "environment" in s and re.search(r"\b(?:fuel|gas|energy) prices?\b", low) and not re.search(r"\bour (?:price|fee)", low):
        s.discard("marketing")
    if "environment" in s and re.search(r"\bstrik", low):
        s.discard("segment")
    # TV as an ad medium is marketing, not a platform
    if {"marketing", "platform"} <= s and re.search(r"\btv\b", low) and not re.search(r"\bsmart ?tvs?\b|\btv app\b|\bon (?:the )?tv\b", low):
        s.discard("platform")
    # a question about what a metric counts mentions other metrics by name
    if {"definition", "related_metrics"} <= s and not re.search(r"\b(?:also|too|as well|other|same|both|while)\b", low):
        s.discard("related_metrics")
    # a rival's launch or go-to-market is the competitor dimension, not ours
    if "competitor" in s and not _ours:
        s.discard("tech_change")
        s.discard("marketing")
    # an industry-wide trend is industry, not the shape of our curve
    if {"industry", "trend"} <= s and re.search(r"(?:industry|market|macro|category)[- ]?(?:wide )?trends?", low):
        s.discard("trend")
    # a bare "did we change anything" only counts when nothing more specific was asked
    if "tech_change" in s and len(s) > 1 and not _TECH_SPECIFIC.search(low):
        s.discard("tech_change")
    # "OS version" without a named OS is about versions
    if {"platform", "app_version"} <= s and re.search(r"\bos versions?\b", low) and not re.search(
        r"\b(?:ios|android|windows|mac|web|desktop|mobile|iphone|ipad)\b", low
    ):
        s.discard("platform")
    # "web" in "web traffic" is channel context
    if {"platform", "channel"} <= s and re.search(r"\bweb traffic\b", low) and not re.search(
        r"\b(?:ios|android|desktop|mobile|app)\b", low
    ):
        s.discard("platform")
    return [d for d in found if d in s]


def _segment_is_asked(low: str) -> bool:
    return bool(
        re.search(
            r"\bsegments?\b|\bnew (?:vs\.? |versus |or )?(?:existing|old|returning)|\bnew users?\b|\bexisting\b|"
            r"\breturning\b|\bpower\b|\bcasual\b|\bheavy\b|\bcohort|\bdemographic|\bage\b|\bteens?\b|\bgender\b|"
            r"\bfree\b|\bpaid\b|\bsubscri|\benterprise|\bsmb\b|\btypes? of\b|\buser types?\b|\bwhich users\b|"
            r"\bwho (?:is|are)\b|\btenure\b|\bpersona|\bor (?:sellers|buyers|drivers|riders|hosts|guests|creators|viewers)\b|"
            r"\b(?:sellers|buyers|drivers|riders|hosts|guests|creators|viewers|merchants|admins|learners|members) (?:or|vs\.?|versus)\b|"
            r"\bonly (?:for )?(?:\w+ )?(?:sellers|buyers|drivers|riders|hosts|guests|creators|viewers|merchants|admins|learners|lurkers|contributors)\b|"
            r"\b(?:side|sides) of the market\b|\bsupply\b|\bdemand\b|\btiers?\b|\bplans?\b|\bkids?\b|\bprofiles?\b|"
            r"\bnew (?:learners|drivers|riders|sellers|buyers|hosts|guests|members|creators|customers|subscribers|visitors)\b|"
            r"\b(?:affect|affects|affecting|hit|hits|hitting) (?:our |the )?(?:\w+ )?(?:sellers|buyers|drivers|riders|hosts|guests|creators|users|members|merchants)\b|"
            r"\bstudents?\b|\bfamil",
            low,
        )
    )


@functools.lru_cache(maxsize=1)
def _compiled_env_without_holiday() -> re.Pattern[str]:
    cues = [c for c in CUES["environment"] if "holiday" not in c]
    return re.compile("|".join(f"(?:{c})" for c in cues), re.I)


@functools.lru_cache(maxsize=1)
def _compiled_tech_without_release() -> re.Pattern[str]:
    cues = [c for c in CUES["tech_change"] if not c.startswith(r"\brelease")]
    return re.compile("|".join(f"(?:{c})" for c in cues), re.I)
