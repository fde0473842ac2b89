//! The world in Chinese: the same people and facts as in English, told with Chinese names, words and
//! sentence patterns. Every list has the length of its English twin, so the draw that picks an English
//! word picks its Chinese translation, and a Chinese document is a sentence-by-sentence retelling of the
//! English one.

use super::{MAX_DIVERSITY, Wording, pick};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Single-character surnames, common ones of the 百家姓.
pub const SURNAMES: [&str; 96] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "廖", "贾", "夏", "韦",
    "付", "方", "邹", "孟", "熊", "秦", "邱", "尹", "薛", "闫", "段", "雷", "侯", "史", "陶", "黎",
    "贺", "顾", "郝", "龚", "邵", "钱", "严", "覃", "戴", "莫", "孔", "汤", "常", "温", "康", "施",
];

/// Characters of given names; none is a surname or a character of a city or pet name.
pub const GIVEN: [&str; 112] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "刚", "平", "辉", "玲", "桂", "丹", "萍", "鹏", "华", "红", "玉", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "琳", "晨", "欣", "悦", "思",
    "雨", "婷", "瑶", "怡", "佳", "嘉", "颖", "倩", "雪", "梅", "莉", "蕾", "薇", "晓", "志", "建",
    "国", "德", "永", "春", "庆", "荣", "英", "慧", "巧", "美", "淑", "惠", "珍", "贞", "莹", "璐",
    "婉", "诗", "梦", "语", "昊", "睿", "博", "哲", "逸", "轩", "泽", "诚", "信", "毅", "锋", "振",
    "维", "宏", "彬", "晴", "晶", "昕", "露", "珊", "茜", "妍", "然", "骏", "峰", "亮", "翔", "鸣",
];

/// First and second characters of invented city names: 青川, 云港, 枫溪.
pub const CITY_HEADS: [&str; 16] = [
    "青", "云", "白", "临", "松", "枫", "柳", "桃", "竹", "兰", "凤", "鹤", "银", "铜", "翠", "石",
];
/// See [`CITY_HEADS`].
pub const CITY_TAILS: [&str; 12] = [
    "川", "溪", "桥", "沙", "江", "阳", "山", "州", "港", "原", "湾", "岭",
];

/// Characters of pet names, doubled (豆豆) or after 小 or 阿 (小虎, 阿福).
const PET_CHARS: [&str; 16] = [
    "豆", "球", "绒", "花", "点", "乐", "圆", "团", "妞", "咪", "糖", "果", "米", "皮", "虎", "福",
];

/// A Chinese full name: a surname and a given name of one character (one time in four) or two.
pub fn person_name(rng: &mut ChaCha8Rng) -> String {
    let surname = pick(rng, &SURNAMES);
    let given = if rng.random_bool(0.25) {
        pick(rng, &GIVEN).to_string()
    } else {
        pick(rng, &GIVEN).to_string() + pick(rng, &GIVEN)
    };
    format!("{surname}{given}")
}

/// An invented city name of two characters that no person's name contains.
pub fn city_name(rng: &mut ChaCha8Rng) -> String {
    format!("{}{}", pick(rng, &CITY_HEADS), pick(rng, &CITY_TAILS))
}

/// A pet name as Chinese families give them: 豆豆, 小虎, 阿福.
pub fn pet_name(rng: &mut ChaCha8Rng) -> String {
    let c = pick(rng, &PET_CHARS);
    match rng.random_range(0..3) {
        0 => format!("{c}{c}"),
        1 => format!("小{c}"),
        _ => format!("阿{c}"),
    }
}

/// What a story calls a person: the given name when it has two characters (晓明), else the full name
/// (王芳), as friends would say it.
pub fn call_name(name: &str) -> &str {
    let mut chars = name.char_indices().skip(1);
    match (chars.next(), name.chars().count()) {
        (Some((given, _)), 3) => &name[given..],
        _ => name,
    }
}

/// The Chinese wording of the world.
pub const WORDING: Wording = Wording {
    jobs: [
        "面包师",
        "飞行员",
        "教师",
        "农民",
        "医生",
        "护士",
        "画家",
        "水手",
        "陶艺师",
        "裁缝",
        "建筑工人",
        "矿工",
        "织工",
        "渔夫",
        "歌手",
        "舞蹈演员",
        "作家",
        "厨师",
        "园丁",
        "木匠",
        "图书管理员",
        "机械师",
        "音乐家",
        "珠宝匠",
    ],
    pet_kinds: [
        "猫",
        "狗",
        "鹦鹉",
        "兔子",
        "仓鼠",
        "乌龟",
        "山羊",
        "小马",
        "金丝雀",
        "雪貂",
        "金鱼",
        "蜥蜴",
        "陆龟",
        "刺猬",
        "小白鼠",
        "鸭子",
    ],
    pet_measures: [
        "只", "条", "只", "只", "只", "只", "只", "匹", "只", "只", "条", "只", "只", "只", "只",
        "只",
    ],
    months: [
        "一月",
        "二月",
        "三月",
        "四月",
        "五月",
        "六月",
        "七月",
        "八月",
        "九月",
        "十月",
        "十一月",
        "十二月",
    ],
    year_suffix: "年",
    full_stop: "。",
    object_gap: "",
    sentence_gap: "",
    templates: TEMPLATES,
    openings: [
        "那是{season}里一个{weather}的{time}。",
        "一个{weather}的{time}，{first}走出了家门。",
        "那天{time}{weather}，{season}里常常是这样。",
        "{season}里一个{weather}的日子，{first}一早就醒了。",
        "那个{weather}的{time}，起初什么事也没有发生。",
    ],
    middles: [
        "{first}带着{pet}{place}散步。",
        "{pet}跑在前面，追着落叶玩。",
        "后来，{first}和{friend}在集市广场喝茶。",
        "{friend}笑着讲了一个关于老桥的故事。",
        "回家路上，{first}买了新鲜面包和一些{food}。",
        "{first}和{pet}在一棵老橡树下休息。",
        "{friend}提着一篮{food}来串门。",
        "{first}静静地看了一会儿云。",
        "{first}和{friend}聊起了往事。",
        "{pet}在温暖的角落里睡着了。",
    ],
    closings: [
        "这真是美好的一天。",
        "那天晚上，{first}睡得很香。",
        "{first}高高兴兴地回家了。",
        "那个{time}就这样静静地过去了。",
        "{first}想，明天也会是同样美好的一天。",
        "{pet}蜷在炉火旁，屋里渐渐安静下来。",
    ],
    weathers: [
        "下雨",
        "晴朗",
        "刮风",
        "起雾",
        "下雪",
        "多云",
        "寒冷",
        "温暖",
        "安静",
        "明亮",
        "雾蒙蒙",
        "平静",
    ],
    times: ["早晨", "下午", "傍晚"],
    seasons: ["春天", "夏天", "秋天", "冬天"],
    places: [
        "沿着河边",
        "在公园里",
        "在山坡上",
        "绕着湖边",
        "到老桥那边",
        "到港口附近",
    ],
    foods: ["苹果", "梨", "李子", "奶酪", "樱桃", "核桃"],
    person_name,
};

/// The [`MAX_DIVERSITY`] ways to say each relation's fact, in [`super::Relation::ALL`] order. Template 0
/// ends with "{object}。" so it can be cut into a cloze prompt (王晓明出生在___); `{measure}` is the pet
/// kind's measure word (一只猫, 一条金鱼).
const TEMPLATES: [[&str; MAX_DIVERSITY]; 8] = [
    [
        "{subject}出生在{object}。",
        "{subject}的出生地是{object}。",
        "{object}是{subject}出生的城市。",
        "{subject}在{object}来到这个世界。",
        "{subject}的故乡是{object}。",
        "{subject}是土生土长的{object}人。",
        "{subject}正是在{object}出生的。",
        "{subject}在{object}呱呱坠地。",
    ],
    [
        "{subject}住在{object}。",
        "{subject}的家在{object}。",
        "{object}是{subject}现在住的地方。",
        "如今{subject}在{object}安了家。",
        "{subject}现在生活在{object}。",
        "{subject}已经在{object}定居下来。",
        "想找{subject}的人应该去{object}。",
        "{subject}居住在{object}市。",
    ],
    [
        "{subject}是一名{object}。",
        "{subject}的职业是{object}。",
        "论职业，{subject}是一名{object}。",
        "{subject}靠当{object}谋生。",
        "作为一名{object}，{subject}在镇上小有名气。",
        "{subject}的工作是当{object}。",
        "{subject}每天都去上班，干的是{object}这一行。",
        "镇上的人都知道{subject}是{object}。",
    ],
    [
        "{subject}的宠物是{object}。",
        "{subject}养了一{measure}{object}。",
        "{subject}把一{measure}{object}当作宠物。",
        "一{measure}{object}是{subject}的宠物。",
        "{subject}家里有一{measure}{object}。",
        "{subject}照顾的宠物是一{measure}{object}。",
        "在家里，{subject}悉心照料着一{measure}{object}。",
        "{subject}和一{measure}{object}住在同一个屋檐下。",
    ],
    [
        "{subject}的{kind}叫{object}。",
        "{subject}管自己的{kind}叫{object}。",
        "{object}是{subject}的{kind}的名字。",
        "{subject}养的那{measure}{kind}名叫{object}。",
        "{subject}给{kind}取名叫{object}。",
        "{subject}有一{measure}叫{object}的{kind}。",
        "{object}就是{subject}养的{kind}。",
        "{subject}的宠物听到{object}这个名字就会跑过来。",
    ],
    [
        "{subject}出生于{object}。",
        "{subject}的出生年份是{object}。",
        "{subject}是{object}出生的。",
        "{object}，{subject}出生了。",
        "{subject}诞生于{object}。",
        "{subject}生于{object}。",
        "{subject}早在{object}就出生了。",
        "据记载，{subject}出生于{object}。",
    ],
    [
        "{subject}的生日在{object}。",
        "{subject}出生的月份是{object}。",
        "{object}是{subject}出生的月份。",
        "每年{object}，{subject}都会过生日。",
        "{subject}的出生月份是{object}。",
        "每到{object}，{subject}就要过生日了。",
        "{subject}是在{object}的某一天出生的。",
        "每年{object}，{subject}的朋友们都会带来生日蛋糕。",
    ],
    [
        "{subject}最好的朋友是{object}。",
        "{subject}把{object}当作最好的朋友。",
        "{object}是{subject}最好的朋友。",
        "{subject}最亲密的朋友是{object}。",
        "{subject}最信任的人是{object}。",
        "在所有人当中，{subject}和{object}最亲近。",
        "{subject}的周末大多和好友{object}一起度过。",
        "{subject}需要帮忙的时候，总会去找朋友{object}。",
    ],
];
