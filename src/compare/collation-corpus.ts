/**
 * The collation corpus (pure): a deterministic list of distinct strings chosen to expose changes in
 * collation order: letters of many scripts with case and accent variants (precomposed and
 * decomposed), digraphs that languages tailor, punctuation and symbols, digits and numeric runs in
 * several digit sets, ignorable and combining characters, emoji sequences, and long common prefixes
 * (which defeat the first bytes a sort compares first). Every string is built from a seeded
 * pseudo-random sequence, so the same size always gives the same list.
 */

/** Letters per script, lower case where the script has case. */
export const SCRIPTS: Readonly<Record<string, string>> = {
  latin: 'abcdefghijklmnopqrstuvwxyz',
  latinExtended:
    'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿāăąćčďđēėęěğģīįıķĺļľłńņňŋōőœŕřśşšţťūůűųźżžƒǎǐǒǔșțßĉĝĥĵŝŭŀəǧǩʒǯŧĸơưạảấầẩẫậắẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹǆǉǌ',
  greek: 'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς',
  cyrillic: 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђћџљњ',
  armenian: 'աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ',
  georgian: 'აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ',
  hebrew: 'אבגדהוזחטיךכלםמןנסעףפץצקרשתװױײ',
  arabic: 'ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى',
  devanagari: 'अआइईउऊऋएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह',
  bengali: 'অআইঈউঊঋএঐওঔকখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহ',
  tamil: 'அஆஇஈஉஊஎஏஐஒஓஔகஙசஞடணதநபமயரலவழளறன',
  sinhala: 'අආඇඈඉඊඋඌඑඒඓඔඕඖකඛගඝඞඟචඡජඣඤඥඦටඨඩඪණඬතථදධනඳපඵබභමඹයරලවශෂසහළෆ',
  gujarati: 'અઆઇઈઉઊઋએઐઓઔકખગઘઙચછજઝઞટઠડઢણતથદધનપફબભમયરલળવશષસહ',
  gurmukhi: 'ਅਆਇਈਉਊਏਐਓਔਕਖਗਘਙਚਛਜਝਞਟਠਡਢਣਤਥਦਧਨਪਫਬਭਮਯਰਲਵੜਸਹ',
  telugu: 'అఆఇఈఉఊఋఎఏఐఒఓఔకఖగఘఙచఛజఝఞటఠడఢణతథదధనపఫబభమయరలవశషసహళ',
  kannada: 'ಅಆಇಈಉಊಋಎಏಐಒಓಔಕಖಗಘಙಚಛಜಝಞಟಠಡಢಣತಥದಧನಪಫಬಭಮಯರಲವಶಷಸಹಳ',
  malayalam: 'അആഇഈഉഊഋഎഏഐഒഓഔകഖഗഘങചഛജഝഞടഠഡഢണതഥദധനപഫബഭമയരലവശഷസഹളഴറ',
  tibetan: 'ཀཁགངཅཆཇཉཏཐདནཔཕབམཙཚཛཝཞཟའཡརལཤསཧཨ',
  myanmar: 'ကခဂဃငစဆဇဈညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအ',
  mongolian: 'ᠠᠡᠢᠣᠤᠥᠦᠧᠨᠩᠪᠫᠬᠭᠮᠯᠰᠱᠲᠳᠴᠵᠶᠷᠸᠹᠺᠻᠼᠽᠾᠿ',
  cherokee: 'ᎠᎡᎢᎣᎤᎥᎦᎧᎨᎩᎪᎫᎬᎭᎮᎯᎰᎱᎲᎳᎴᎵᎶᎷᎸᎹᎺᎻᎼᎽᎾᎿ',
  syriac: 'ܐܒܓܕܗܘܙܚܛܝܟܠܡܢܣܥܦܨܩܪܫܬ',
  thaana: 'ހށނރބޅކއވމފދތލގޏސޑޒޓޔޕޖޗޘޙޚޛޜޝޞޟޠޡޢޣޤޥ',
  thai: 'กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮเแโใไะาำ',
  lao: 'ກຂຄງຈຊຍດຕຖທນບປຜຝພຟມຢຣລວສຫອຮເແໂໃໄ',
  khmer: 'កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអ',
  ethiopic: 'ሀለሐመሠረሰሸቀበተቸኀነኘአከኸወዐዘዠየደጀገጠጨጰጸፀፈፐ',
  hangul:
    '가각간갇갈감갑강개객거건걸검게겨고곡공과관교구국군굴궁귀그근글기길김까꼬나낙난날남내너노논누는니다단달담당대더도독동두드들디따또라란람러로루리마만말매머며모목몬무문물미바박반발방배버벌범베벼보복본부북분불비빠사산살삼상새서석선설성세소속손송수숙순술스승시신실심아악안알암압앙애야약양어억언얼엄업에여역연열염영예오옥온올옹와왕외요용우욱운울원월위유육윤은을음응의이익인일임입자작잔장재저적전절점정제조족종좌주죽준중즈지직진질집징차창채처천철청체초총최추축출충치칠카타탁탄탈태터토통투트파판팔패퍼페포폭표푸풍프피필하학한할함합항해행향허헌험혁현혈협형혜호혹혼홍화확환활황회효후훈휘휴흑흥희히',
  hangulJamo: 'ᄀᄁᄂᄃᄄᄅᄆᄇᄈᄉᄊᄋᄌᄍᄎᄏᄐᄑ하ᅢᅣᅤᅥᅦᅧᅨᅩᅪᅫᅬᅭᅮᅯᅰᅱᅲᅳᅴᅵᆨᆩᆪᆫᆬᆭᆮᆯ',
  hiragana:
    'あいうえおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ',
  katakana:
    'アイウエオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴーｱｲｳｴｵｶｷｸｹｺ',
  cjk: '一丁七万丈三上下不与丑专且世丘丙业东丝丢两严丧个中丰串临丸丹为主丽举乃久么义之乌乎乏乐乒乓乔乖乘乙九乞也习乡书买乱乳乾了予争事二于亏云互五井亚些亡交亥亦产亨享京亭亮亲人亿什仁仅仆仇今介仍从仑仓仔他仗付仙代令以仪们仰仲件价任份仿企伊伍伏伐休众优伙会伞伟传伤伦伪伯估伴伸似伽但位低住佐佑体何余佛作你佣佩佳使來侄侈例侍供依侠侣侦侧侨侮侯侵便係促俄俊俗保信修俯俱俺倍倒候倚借倡値倦倩倪债值倾假偏做停健偶偷偿傅傍储催傲傻像僚僧僵僻儒儿兀允元兄充兆先光克免兑兔兜兢入全八公六兰共关兴兵其具典兹养兼兽内冈册再冒冕冗写军农冠冤冬冯冰冲决况冶冷冻净凄准凉凋凌减凑凛凝几凡凤凭凯凰凳凶凸凹出击函凿刀刁分切刊刑划列刘则刚创初删判刨利别刮到制刷券刹刺刻剂剃削前剑剔剖剥剧剩剪副割剿劈力劝办功加务劣动助努劫励劲劳势勃勇勉勋勒勘募勤勺勾勿匀包匆匈匕化北匙匠匣匪匹区医匾匿十千升午半华协卑卒卓单卖南博卜占卡卢卤卦卧卫卯印危即却卵卷卸厂厅历厉压厌厕厘厚原厢厦厨去县参又叉及友双反发叔取受变叙叛叠口古句另叨叩只叫召叭可台史右叶号司叹叼吁吃各合吉吊同名后吏吐向吓吕吗君吝吞吟否吧吨吩含听启吴吵吸吹吻吼吾呀呆呈告呐员呜呢周味呵呻呼命咀咋和咏咐咒咖咙咧咨咪咬咱咳咸咽哀品哄哆哈响哎哑哗哟哥哨哩哪哭哮哲哺哼唁唆唇唉唐唤唧唬售唯唱唾啃商啊啡啤啥啦啰啸啼喂善喇喉喊喘喜喝喧喷喻嗅嗓嗜嗡嗦嗽嘀嘁嘉嘘嘛嘱嘲嘴嘶嘹嘿器噪嚎嚣嚷嚼囊囚四回因团园困围固国图圃圆圈土圣在地场圾址均坊坎坏坐坑块坚坛坝坞坟坠坡坤坦坪坯坷垂垃垄型垒垛垢垦垫垮埂埃埋城域埠培基堂堆堕堡堤堪堰報場塌塑塔塘塞填境墅墓墙增墨墩壁壕壤士壮声壳壶壹处备复夏夕外多夜够大天太夫央失头夷夸夹夺奄奇奈奉奋奏契奔奖套奠奢奥女奴奶奸她好如妃妄妆妇妈妒妓妖妙妥妨妹妻姆始姐姑姓委姚姜姥姨姻姿威娃娄娘娜娩娱娶婆婚婴婶婿媒媚媳嫁嫂嫉嫌嫡嫩嬉子孔孕字存孙孝孟季孤学孩孵孽宁它宅宇守安宋完宏宗官宙定宛宜宝实宠审客宣室宦宪宫宰害宴宵家容宽宾宿寂寄密寇富寒寓寝寞察寡寨寸对寺寻导寿封射将尉尊小少尔尖尘尚尝尤就尸尺尼尽尾尿局屁层居屈届屋屎屏屑展属屠屡履屯山屿岁岂岔岖岗岛岩岭岳岸峡峦峭峰峻崇崎崔崖崩崭嵌巍川州巡巢工左巧巨巩巫差己已巴巷巾币市布帅帆师希帐帕帖帘帚帜帝带席帮常帽幅幌幔幕幢干平年并幸幻幼幽广庄庆床序库应底店庙府庞废度座庭康庸廉廊延廷建开异弃弄弊式弓引弗弘弛弟张弥弦弧弯弱弹强归当录形彤彩彪彬彭影役彻彼往征径待很徊律徐徒得徘徙御循微德徽心必忆忌忍志忘忙忠忧快念忽怀态怎怒怕怖思怠急性怨怪总恋恍恐恒恢恨恩恭息恰恳恶恼悄悉悍悟悠患悦您悬悲悴情惊惋惑惕惜惠惦惧惨惩惫惭惯想惹愁愈愉意愚感愤愧愿慈慌慎慢慧慨慰慷憋憎憔憨憾懂懈懊懒懦戈戏成我戒或战戚截戳戴户房所扁扇手才扎扑扒打托扛扣执扩扫扬扭扮扯扰扶批找承技抄把抑抒抓投抖抗折抚抛抠抡抢护报披抬抱抵抹押抽拂拄担拆拇拉拌拍拐拒拓拔拖拘招拜拟拢拣拥拦拧拨择括拭拯拱拳拴拼拽拾拿持挂指按挎挑挖挚挠挡挣挤挥挨挪挫振挺挽捂捅捆捉捌捍捎捏捐捕捞损捡换捣捧据捷掀授掉掌掏掐排掘掠探接控推掩措掰掷掸掺揉揍描提插握揣揩揪揭援揽搀搁搂搅搏搓搔搜搞搪搬搭携摄摆摇摊摔摘摧摩摸撇撑撒撕撞撤撩播撮撰撵撼擂擅操擎擒擦攀攒攘支收改攻放政故效敌敏救教敛敞敢散敦敬数敲整敷文斋斑斗料斜斟斤斥斧斩断斯新方施旁旅旋族旗无既日旦旧旨早旬旭旱时旷旺昂昆昌明昏易昔星映春昧昨是昼显晃晋晌晒晓晕晚晦晨普景晰晴晶智暂暇暑暖暗暮暴曙曲更曹曾替最月有朋服朗望朝期朦木未末本术朱朴朵机朽杀杂权杆杉李杏材村杖杜束杠条来杨杯杰松板极构枉析枕林枚果枝枢枣枪枫枯架柄柏某染柔柜柠查柬柱柳柴柿栅标栈栋栏树栓栖栗校株样核根格栽桂桃框案桌桐桑档桥桦桨桩桶梁梅梗梢梦梧梨梭梯械梳检棉棋棍棒棕棘棚棠森棱棵棺椅植椎椒椭椰楚楼概榆榜榨榴槐槽樊樟模横樱橄橘橙橡橱檐檬欠次欢欣欧欲欺款歉歌止正此步武歧歪歹死歼殃殊残殖殴段殷殿毁毅母每毒比毕毙毛毡毫毯氏民氓气氛氧氨氮氯水永汁求汇汉汗江池污汤汪汰汹汽沃沈沉沐沙沛沟没沤沥沦沧沫河沸油治沼沾沿泄泉泊法泛泞泡波泣泥注泪泰泳泻泼泽洁洋洒洗洛洞津洪洲活洼派流浅浆浇浊测济浑浓浙浦浩浪浮浴海浸涂消涉涌涕涛涝涡涣润涨涩液涵淀淆淋淌淑淘淡淤淫深混淹添清渊渐渔渗渠渡渣温渴游湖湘湾湿溃溅溉源溜溢溪溯溶溺滋滑滓滔滚滞满滤滥滨滩滴漂漆漏漓演漠漩漫潘潜潦潭潮澄澈澎澡激濒瀑灌火灭灯灰灵灶灸灼灾灿炉炊炎炒炕炫炬炭炮炸点炼烁烂烈烘烙烛烟烤烦烧烫热烹焊焕焙焚焦焰然煌煎煞煤照煮熄熊熏熔熙熟熬燃燕燥爆爪爬爱爵父爷爸爹爽片版牌牙牛牡牢牧物牲牵特牺犀犁犬犯状犹狂狈狐狗狞狠狡独狭狮狰狱狸狼猎猖猛猜猪猫献猴猾猿獭玄率玉王玖玛玩玫环现玲玷玻珊珍珠班球理琉琐琢琳琴琼瑞瑟瑰璃璧瓜瓢瓣瓤瓦瓶瓷甘甚甜生甥用甩甫田由甲申电男甸画畅界畏畔留畜略番畴疆疏疑疗疙疚疟疤疫疮疯疲疹疼疾病症痊痒痕痘痛痢痪痰痴痹瘟瘤瘦瘩瘪瘫瘸瘾癌癣登白百的皆皇皮皱盆盈益盐监盒盔盖盗盘盛盟目盯盲直相盹盼盾省眉看真眠眨眯眶眷眼着睁睛睡督睦睬瞄瞎瞒瞧瞪瞬瞭瞻矗矛矢知矩矫短矮石矿码砂砌砍研砖砸破砾础硅硕硝硫硬确碌碍碎碑碗碟碧碰碱碳碴碾磁磅磋磕磨磷礁示礼社祈祖祝神祟祥票祭禁福离禾秀私秃秆秉秋种科秒秕秘租秤秧秩积称移稀程稍税稚稠稳稻稼稽稿穆穗穴究穷空穿突窃窄窍窑窒窖窗窘窜窝窟窥窿立竖站竞竟章竣童竭端竹竿笆笋笑笔笙符笨第笼等筋筏筐筑筒答策筛筝筹签简箍箕算管箩箫箭箱篇篓篮篱篷簇簸籍米类籽粉粒粗粘粟粥粪粮粱粹精糊糕糖糙糜糟糠糯系紊素索紧紫累絮繁纠红纤约级纪纫纬纯纱纲纳纵纷纸纹纺纽线练组绅细织终绊绍绎经绑绒结绕绘给络绝绞统绢绣继绩绪续绰绳维绵绷绸综绽绿缀缅缆缎缓缔编缘缚缝缠缤缨缩缭缰缴缸缺罐网罕罗罚罢罩罪置署羊美羔羞羡群羹羽翁翅翔翘翠翩翰翻翼耀老考者而耍耐耕耗耘耙耳耸耻耽聂聊聋职联聘聚聪肃肆肉肌肖肘肚肝肠股肢肤肥肩肪肯育肴肺肾肿胀胁胃胆背胎胖胚胜胞胡胧胯胰胳胶胸能脂脆脉脊脏脐脑脓脖脚脯脱脸脾腊腋腌腐腔腕腥腮腰腹腺腻腾腿膀膊膏膛膜膝膨膳臀臂臊臣自臭至致舀舅舆舌舍舒舔舞舟航般舰舱舵舶船艇艘良艰色艳艺节芋芍芒芙芜芝芦芬芭花芳芹芽苇苍苏苔苗苛苞若苦英苹茁茂范茄茅茉茎茧茫茬茵茶茸荆草荐荒荔荚荞荠荡荣荤药荷莉莲获莹莺莽菇菊菌菜菠菩菱菲萄萌萍萝萤营萧萨落著葛葡董葫葬葱葵蒂蒋蒙蒜蒲蒸蓄蓝蓬蔑蔓蔗蔚蔫蔬蔼蔽蕉蕊蕴蕾薄薇薛薪薯藏藐藕藤藻蘑蘸虎虏虐虑虚虫虹虽虾蚀蚁蚂蚊蚌蚓蚕蚜蚣蚤蚪蛀蛇蛋蛙蛛蛤蛮蛹蜀蜂蜓蜕蜗蜘蜜蜡蜻蝇蝌蝎蝗蝙蝠蝴蝶螃融螺蟀蟆蟋蠢血衅行衍衔街衙衡衣补表衫衬衰衷袁袄袋袍袒袖袜被袭裁裂装裆裕裙裤裳裸裹褂褐褒褥褪襟西要覆见观规觅视览觉角解触言誉誓警譬计订认讥讨让训议讯记讲讳讶许论讼讽设访诀证评识诈诉诊词译试诗诚诞询该详诫诬语误诱说诵请诸诺读课谁调谅谆谈谊谋谍谎谐谓谜谢谣谦谨谬谭谱谴谷豁豆豌象豪豫豹豺貌贝贞负贡财责贤败账货质贩贪贫贬购贮贯贱贴贵贷贸费贺贼贿赁资赊赋赌赎赏赐赔赖赘赚赛赞赠赡赢赤赦走赴赵赶起趁超越趋趟趣足趴趾跃跋跌跑跛距跟跨跪路跳践跷跺踊踏踢踩踪踱蹂蹄蹈蹋蹦蹬蹭蹲蹿躁躏身躬躯躲躺车轧轨轩转轮软轰轴轻载轿较辅辆辈辉辐辑输辖辙辛辜辞辟辣辨辩辫辰辱边辽达迁迂迄迅过迈迎运近返还这进远违连迟迫述迷迹追退送适逃逆选逊透逐递途逗通逛逝速造逢逮逸逻逼遂遇遍遏道遗遣遥遭遮遵避邀邑邓邢那邦邪邮邻郁郊郎郑部郭都鄙配酒酗酝酣酥酪酬酱酵酷酸酿醇醉醋醒采释里重野量金鉴针钉钓钙钝钞钟钠钢钥钦钧钩钮钱钳钻铁铃铅铜铝铭铲银铸铺链销锁锄锅锈锋锐错锡锣锤锦键锯锰锹锻镀镇镊镐镜镰镶长门闪闭问闯闰闲间闷闸闹闺闻阀阁阅阎阐阔队阱防阳阴阵阶阻阿陀附际陆陈陋陌降限陕陡院除陨险陪陵陶陷隅隆隐隔隘障隧隶难雀雁雄雅集雇雌雏雕雨雪零雷雹雾需霄霉震霍霎霜霞露霸霹青靖静非靠靡面革靴靶鞋鞍鞠鞭韧韭音韵页顶项顺须顽顾顿颁颂预领颇颈颊频颓颖颗题颜额颠颤风飘飞食餐饥饭饮饰饱饲饵饶饺饼饿馁馅馆馈馋馍馏首香馨马驮驯驰驱驳驴驶驹驻驼驾骂骄骆骇验骏骑骗骚骤骨髓高鬓鬼魁魂魄魏魔鱼鲁鲜鲤鲸鳄鳍鳖鸟鸠鸡鸣鸥鸦鸭鸯鸳鸽鸿鹃鹅鹊鹏鹤鹰鹿麦麻黄黎黑默鼎鼓鼠鼻齐齿龄龙龟',
};

/** Letter sequences that some languages sort as one letter or tailor specially. */
// prettier-ignore
export const DIGRAPHS = [
  'ch', 'cs', 'dz', 'dzs', 'dž', 'gy', 'ij', 'll', 'lj', 'ly', 'ng', 'nj', 'ny', 'rr', 'sz', 'th', 'ty', 'zs',
  'aa', 'ae', 'oe', 'ue', 'ss', 'ck', 'kh', 'ph', 'sh', 'zh', 'dd', 'ff', 'ngg', 'gh',
];

/**
 * Short sequences that tailorings treat as units: pointed Hebrew (Yiddish), Indic conjuncts,
 * Tibetan and Myanmar stacks, Khmer subscripts, Thai and Lao vowel-consonant pairs, Hangul jamo.
 */
// prettier-ignore
export const SEQUENCES = [
  'אַ', 'אָ', 'בּ', 'בֿ', 'וּ', 'יִ', 'ײַ', 'כּ', 'פּ', 'פֿ', 'שׂ', 'תּ', 'क्ष', 'त्र', 'ज्ञ', 'श्र', 'क़', 'ড়', 'ক্ষ', 'ஸ்ரீ', 'க்ஷ',
  'སྐ', 'རྒ', 'སྟ', 'ཀྱ', 'ཀྲ', 'ကြ', 'ကျ', 'ကွ', 'ကို', 'ក្ក', 'ក្រ', 'ស្រ', 'เก', 'แก', 'ไก', 'เกา', 'ເກ', 'ໄກ', '가', '각',
  'll', 'Ll', 'LL', 'ch', 'Ch', 'CH', 'aa', 'Aa', 'AA', 'dz', 'Dz', 'DZ', 'dž', 'Dž', 'DŽ', 'lj', 'Lj', 'LJ', 'nj', 'Nj', 'NJ',
  'ij', 'IJ', 'ng', 'NG', 'ny', 'Ny', 'sz', 'Sz', 'zs', 'Zs', 'cs', 'Cs', 'gy', 'Gy', 'ly', 'Ly', 'ty', 'Ty', 'rr', 'th', 'dzs',
];

/** Combining marks put on every letter of the cased scripts in the corpus' first section. */
export const LETTER_MARKS = ['\u0300', '\u0301', '\u0302', '\u0308', '\u030c', '\u0327'];

// prettier-ignore
export const PUNCTUATION = [
  ' ', '-', '‐', '–', '—', '_', "'", '’', '‘', '"', '“', '”', '«', '»', '.', ',', ';', ':', '!', '?',
  '¡', '¿', '@', '#', '$', '€', '£', '¥', '%', '&', '*', '+', '=', '<', '>', '/', '\\', '|', '(', ')',
  '[', ']', '{', '}', '^', '~', '`', '§', '¶', '·', '•', '…', '°', '©', '®', '™', '\u00a0', '\u3000', '\t',
];

/** Characters a collation ignores or treats at a low level: format controls, variation selectors, soft hyphen. */
// prettier-ignore
export const IGNORABLES = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufe0f', '\ufe0e', '\u034f', '\u061c', '\u200e'];

// prettier-ignore
export const COMBINING = [
  '\u0300', '\u0301', '\u0302', '\u0303', '\u0308', '\u030a', '\u030c', '\u0327', '\u0328', '\u0323', '\u0331',
  '\u05b7', '\u05bc', '\u064e', '\u0650', '\u0651', '\u093c', '\u094d', '\u0e31', '\u0e48', '\u3099',
];

/** Digit sets: ASCII, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai, fullwidth, mathematical bold. */
export const DIGIT_ZEROS = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xff10, 0x1d7ce];

// prettier-ignore
export const EMOJI = [
  '😀', '😃', '😂', '🙂', '🙃', '👍', '👍🏻', '👍🏽', '👍🏿', '❤', '❤️', '✨', '🔥', '🎉', '🐘', '🐧',
  '🇩🇪', '🇫🇷', '🇯🇵', '🇺🇸', '👨‍👩‍👧', '👩‍💻', '🏳️‍🌈', '1️⃣', '#️⃣', '©️', '☺', '☺️', '🀄', '🂡',
];

/** mulberry32: a small, well-known 32-bit PRNG; seeded, so the corpus is the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)];
const letters = (script: string): string[] => [...script];
const SCRIPT_LETTERS = Object.fromEntries(Object.entries(SCRIPTS).map(([k, v]) => [k, letters(v)]));
const SCRIPT_NAMES = Object.keys(SCRIPTS);

function word(r: Random, script: string, min = 1, max = 8): string {
  const n = min + Math.floor(r() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, SCRIPT_LETTERS[script]);
  return s;
}

function caseVariant(r: Random, s: string): string {
  const k = Math.floor(r() * 4);
  if (k === 1) return s.toUpperCase();
  if (k === 2) return s.charAt(0).toUpperCase() + s.slice(1);
  if (k === 3) return [...s].map((c) => (r() < 0.5 ? c.toUpperCase() : c)).join('');
  return s;
}

function number(r: Random): string {
  const zero = pick(r, DIGIT_ZEROS);
  const len = 1 + Math.floor(r() * 12);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCodePoint(zero + Math.floor(r() * 10));
  return s;
}

/** One generator per kind of string; each returns a string from the random sequence. */
export const KINDS: Readonly<Record<string, (r: Random) => string>> = {
  word: (r) => caseVariant(r, word(r, pick(r, SCRIPT_NAMES))),
  latinAccents: (r) => caseVariant(r, word(r, pick(r, ['latin', 'latinExtended']), 2, 10)),
  decomposed: (r) => caseVariant(r, word(r, 'latinExtended', 1, 6)).normalize('NFD'),
  combining: (r) =>
    [...word(r, pick(r, SCRIPT_NAMES), 1, 5)].map((c) => (r() < 0.4 ? c + pick(r, COMBINING) : c)).join(''),
  digraphs: (r) =>
    caseVariant(
      r,
      word(r, 'latin', 0, 3) + pick(r, DIGRAPHS) + word(r, 'latinExtended', 0, 2) + pick(r, DIGRAPHS),
    ),
  punctuation: (r) =>
    word(r, pick(r, SCRIPT_NAMES), 0, 4) + pick(r, PUNCTUATION) + word(r, pick(r, SCRIPT_NAMES), 0, 4),
  numbers: (r) =>
    word(r, 'latin', 0, 3) + number(r) + (r() < 0.5 ? pick(r, ['.', ',', ' ', '-']) + number(r) : ''),
  ignorables: (r) => {
    const w = [...word(r, pick(r, SCRIPT_NAMES), 2, 6)];
    w.splice(1 + Math.floor(r() * (w.length - 1)), 0, pick(r, IGNORABLES));
    return w.join('');
  },
  emoji: (r) =>
    word(r, pick(r, ['latin', 'cjk', 'hangul']), 0, 3) + pick(r, EMOJI) + (r() < 0.5 ? pick(r, EMOJI) : ''),
  mixedScripts: (r) => word(r, pick(r, SCRIPT_NAMES), 1, 3) + word(r, pick(r, SCRIPT_NAMES), 1, 3),
  longPrefix: (r) => {
    const prefix = pick(r, [
      'a'.repeat(40),
      'Ab'.repeat(30),
      'straße-'.repeat(10),
      'абв'.repeat(20),
      '中文'.repeat(25),
    ]);
    const tail = pick(r, [
      word(r, 'latinExtended', 1, 3),
      pick(r, PUNCTUATION),
      number(r),
      pick(r, COMBINING),
    ]);
    return prefix + caseVariant(r, tail);
  },
  kana: (r) => word(r, pick(r, ['hiragana', 'katakana']), 1, 6) + (r() < 0.2 ? '\u3099' : ''),
};

/** Share of the corpus per kind (weights; they need not add up to anything). */
// prettier-ignore
export const KIND_WEIGHTS: Readonly<Record<string, number>> = {
  word: 20, latinAccents: 12, decomposed: 6, combining: 8, digraphs: 8, punctuation: 10, numbers: 10,
  ignorables: 6, emoji: 5, mixedScripts: 6, longPrefix: 6, kana: 3,
};

/** The corpus' first section: letters of every script in every case and form, short sequences, letters with marks. */
export function corpusHead(): string[] {
  const head = new Set<string>();
  for (const ls of Object.values(SCRIPT_LETTERS))
    for (const l of ls) for (const v of [l, l.toUpperCase(), l.normalize('NFD')]) head.add(v);
  for (const s of SEQUENCES) head.add(s);
  for (const script of ['latin', 'latinExtended', 'greek', 'cyrillic'])
    for (const l of SCRIPT_LETTERS[script])
      for (const m of LETTER_MARKS) for (const c of [l, l.toUpperCase()]) head.add(c + m);
  return [...head];
}

/**
 * The head, then generated strings in the kinds' proportions until `size` distinct strings exist.
 * Deterministic for a given `size` and `seed`.
 */
export function collationCorpus(size = 100_000, seed = 0x5eed_c011): string[] {
  const seen = new Set(corpusHead().slice(0, size));
  const r = prng(seed);
  const bag = Object.entries(KIND_WEIGHTS).flatMap(([k, w]) => Array<string>(w).fill(k));
  while (seen.size < size) {
    const s = KINDS[pick(r, bag)](r);
    if (s !== '' && !s.includes('\0')) seen.add(s);
  }
  return [...seen];
}
